"""A brand-new process with a brand-new ``Component`` (test_open_platform.py's restart test).

    WEIXINKIT_TEST_CONFIG='<ComponentConfig JSON>' python component_worker.py AUTHORIZER_APPID

Prints one JSON line: what this process finds in the store (as SHA-256 digests, so that no
credential is printed) and the answer of one call on the authorizer's behalf, or the error.
"""

import hashlib
import json
import os
import sys

import weixinkit


def digest(value):
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()


def main() -> None:
    component = weixinkit.Component(os.environ["WEIXINKIT_TEST_CONFIG"])
    appid = sys.argv[1]
    out = {
        "pid": os.getpid(),
        "ticket": digest(component.verify_ticket()),
        "refresh_token": digest(component.refresh_token(appid)),
    }
    try:
        out["answer"] = component.authorizer(appid).get("/cgi-bin/get_api_domain_ip")
    except weixinkit.WeixinkitError as e:
        out["error"] = [type(e).__name__, e.code]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
