"""Smoke test of the installed wheel (scripts/install-test.sh runs it in a fresh venv).

    python smoke.py VECTORS_DIR SIM_URL EXPECTED_VERSION TOKEN_OUT

Checks the version, that the stubs and py.typed were installed, decrypts and parses the shared
perf push, and fetches an access token from the local WeChat server (written to TOKEN_OUT for
the caller to check against the server). Exits non-zero with a message on any mismatch.
"""

import json
import sys
from pathlib import Path

import weixinkit
from weixinkit import HttpOptions, MemoryStore, MessageCrypto, OfficialAccount, OfficialAccountConfig


def main() -> None:
    vectors, sim_url, expected_version, token_out = sys.argv[1:5]
    assert weixinkit.__version__ == expected_version, (weixinkit.__version__, expected_version)

    package = Path(weixinkit.__file__).parent
    assert "site-packages" in package.parts, f"weixinkit imported from {package}, not the venv"
    for name in ("__init__.py", "_native.pyi", "py.typed"):
        assert (package / name).is_file(), f"{name} missing from the installed package"

    p = json.loads((Path(vectors) / "perf-push.json").read_text(encoding="utf-8"))
    crypto = MessageCrypto(p["token"], p["encoding_aes_key"], p["app_id"])
    plain = crypto.decrypt_body(p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"])
    assert plain == p["plain_xml"], "decrypted body differs from the vector's plain_xml"
    message = crypto.decrypt_message(p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"])
    assert message.fields["InfoType"] == ["component_verify_ticket"], message.fields

    account = OfficialAccount(OfficialAccountConfig(
        "wxoa00000000000001", "oa-secret", store=MemoryStore(), http=HttpOptions(api_base_uri=sim_url)))
    token = account.access_token()
    assert token.value, "empty access token"
    Path(token_out).write_text(token.value, encoding="utf-8")
    print(f"python: weixinkit {weixinkit.__version__} from {package}: push decrypted, token fetched")


if __name__ == "__main__":
    main()
