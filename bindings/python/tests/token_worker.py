"""A separate process for the cross-process token tests (see services.Worker).

    WEIXINKIT_TEST_CONFIG='{…record…}' python token_worker.py access_token

Builds an OfficialAccount from the JSON record, prints `ready`, waits for a line on stdin,
calls the action and prints one JSON line: {"value", "expires_at", "issued_at"} or
{"error": "<WeixinkitError subclass>", "code": …, "reason": …}.
"""

import json
import os
import sys

import weixinkit


def main() -> None:
    action = sys.argv[1]
    account = weixinkit.OfficialAccount(os.environ["WEIXINKIT_TEST_CONFIG"])
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        token = getattr(account, action)()
        out = {"value": token.value, "expires_at": token.expires_at, "issued_at": token.issued_at}
    except weixinkit.WeixinkitError as e:
        out = {"error": type(e).__name__, "code": e.code, "reason": e.reason}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
