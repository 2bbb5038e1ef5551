"""Time the installed weixinkit package on the shared benchmark push (perf-push.json).

    python3 bindings/python/bench.py [--repeat 7] [--number 20000]

Prints the median (and best) microseconds per call over `--repeat` runs of `--number` calls:
- decrypt_message: verify msg_signature + decrypt + parse the 609-byte POST body (the figure
  to compare with other SDKs measured on the same input),
- decrypt_body: verify + decrypt only,
- parse_message: parse the 343-byte decrypted XML only,
- encrypt_reply: encrypt the decrypted XML into a reply envelope;
and, when wechatpy is installed (`make bench` installs it), the same two jobs through
wechatpy's WeChatCrypto (decrypt_message + xmltodict, as wechatpy's component code parses
pushes; encrypt_message), checked for the same result, with the ratios.

The vectors directory is WEIXINKIT_VECTORS, or <repo>/../shared/vectors.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import timeit
from pathlib import Path

import weixinkit


def vectors_dir():
    env = os.environ.get("WEIXINKIT_VECTORS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def load_perf_push():
    path = vectors_dir() / "perf-push.json"
    if not path.is_file():
        sys.exit(f"bench: {path} not found; set WEIXINKIT_VECTORS to the shared vectors directory")
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def measure(fn, repeat, number):
    fn()  # warm up (and fail fast)
    runs = timeit.repeat(fn, repeat=repeat, number=number)
    per_call = [t / number * 1e6 for t in runs]
    return statistics.median(per_call), min(per_call)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()

    p = load_perf_push()
    crypto = weixinkit.MessageCrypto(p["token"], p["encoding_aes_key"], p["app_id"])
    sig, ts, nonce, body, plain = p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"], p["plain_xml"]

    # Check the input decrypts to what the vector says before timing anything.
    message = crypto.decrypt_message(sig, ts, nonce, body)
    assert message.event.is_component_verify_ticket() and message.event.ticket == p["ticket"]
    reply = crypto.encrypt_reply(plain, ts, nonce)
    assert "<Encrypt>" in reply

    cases = [
        ("decrypt_message (verify+decrypt+parse)", lambda: crypto.decrypt_message(sig, ts, nonce, body)),
        ("decrypt_body (verify+decrypt)", lambda: crypto.decrypt_body(sig, ts, nonce, body)),
        ("parse_message", lambda: weixinkit.parse_message(plain)),
        ("encrypt_reply", lambda: crypto.encrypt_reply(plain, ts, nonce)),
    ]
    print(f"weixinkit {weixinkit.__file__}")
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{args.repeat} repeats x {args.number} calls, input {len(body.encode())}-byte POST body")
    medians = {}
    for name, fn in cases:
        median, best = measure(fn, args.repeat, args.number)
        medians[name] = median
        print(f"{name:<40} median {median:7.2f} us/call   best {best:7.2f} us/call")

    try:
        import xmltodict
        from wechatpy.crypto import WeChatCrypto
    except ImportError:
        print("wechatpy not installed: no comparison (pip install wechatpy cryptography xmltodict)")
        return
    theirs = WeChatCrypto(p["token"], p["encoding_aes_key"], p["app_id"])
    parsed = xmltodict.parse(theirs.decrypt_message(body, sig, ts, nonce))["xml"]
    assert parsed["ComponentVerifyTicket"] == p["ticket"], "wechatpy decrypted something else"
    assert crypto.decrypt_body(*_reply_query(theirs.encrypt_message(plain, nonce, ts), ts, nonce)) == plain
    anchor = [
        ("decrypt_message (verify+decrypt+parse)", "wechatpy decrypt_message + xmltodict",
         lambda: xmltodict.parse(theirs.decrypt_message(body, sig, ts, nonce))),
        ("encrypt_reply", "wechatpy encrypt_message",
         lambda: theirs.encrypt_message(plain, nonce, ts)),
    ]
    for ours, name, fn in anchor:
        median, best = measure(fn, args.repeat, max(1000, args.number // 4))
        print(f"{name:<40} median {median:7.2f} us/call   best {best:7.2f} us/call"
              f"   -> weixinkit {median / medians[ours]:.1f}x faster")


def _reply_query(reply_xml, ts, nonce):
    """(msg_signature, timestamp, nonce, body) of a reply envelope, to decrypt it back."""
    sig = reply_xml.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    return sig, ts, nonce, reply_xml


if __name__ == "__main__":
    main()
