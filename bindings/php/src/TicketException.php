<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * The third-party platform's `component_verify_ticket` is the problem (kind `ticket`), so no
 * component access token can be had:
 *
 * - code -50040: no ticket was ever stored: the authorization event URL has not received a
 *   push yet (is it reachable? is its Token / EncodingAESKey right?);
 *   Component::startPushTicket() asks WeChat to push again;
 * - code 61005 (expired) or 61006 (invalid): WeChat refused the stored ticket; the next push
 *   (every 10 minutes) replaces it. These are never retried.
 *
 * The message names the platform's AppID, never the ticket.
 */
final class TicketException extends WeixinkitException
{
    /** WeChat's errcode (61005, 61006), or null when no ticket was ever stored (-50040). */
    public function getErrcode(): ?int
    {
        return $this->getCode() > 0 ? $this->getCode() : null;
    }
}
