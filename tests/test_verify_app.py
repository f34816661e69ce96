"""The ``govreport verify`` server without a browser: security, durability, two servers on one folder."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from govreport.report import Cell, Issue, Report
from govreport.verify.app import MAX_BODY, VerifyApp, running
from govreport.verify.store import CorrectionStore

from .verifykit import flagged_dataset, report_json, server


def request(url: str, path: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{u.port}", **(headers or {})})
        r = conn.getresponse()
        return r.status, r.read(), dict(r.getheaders())
    finally:
        conn.close()


def decide(url: str, rid: str, key: tuple[str, str, str], action: str = "value", value: object = None
           ) -> tuple[int, dict]:
    body = json.dumps({"table": key[0], "row": key[1], "col": key[2], "action": action, "value": value}).encode()
    status, data, _ = request(url, urlsplit(url).path + f"api/decide/{rid}", "POST", body,
                              {"Content-Type": "application/json"})
    return status, json.loads(data)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify-app")
    truths = flagged_dataset(root, 2)
    return root / "ds", truths


def hostile_report(folder: Path) -> str:
    """A report whose every text is HTML (an agency, a source, an issue message, a cell's text)."""
    evil = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=1</script>"
    cells = [Cell("appeals", "review", c, 1, "read", evil if c == "upheld" else "1") for c in
             ("upheld", "corrected", "other", "pending")] + [Cell("appeals", "review", "total", 9, "read", "9")]
    r = Report(f"{evil}.txt", "gov2021", {"agency": evil, "year": 2024, "input_kind": "text"}, cells,
               [Issue("inconsistent", "appeals", evil, [["review", "total"], ["review", "upheld"]])])
    rid = "abcdefabcdefabcd-evil"
    (folder / f"{rid}.json").write_text(json.dumps(r.to_dict(), ensure_ascii=False), encoding="utf-8")
    return rid


def test_server_security(dataset, tmp_path):
    ds, truths = dataset
    rid = next(iter(truths))
    (tmp_path / "secret.json").write_text("{}", encoding="utf-8")
    app = VerifyApp(ds, "ann")
    with running(app) as url:
        base = urlsplit(url).path
        assert urlsplit(url).hostname == "127.0.0.1"
        assert request(url, base + "api/queue")[0] == 200
        # no token, a wrong token, a token-like prefix: nothing
        for path in ("/", "/api/queue", "/t/", "/t/wrong/api/queue", f"/t/{app.token[:-1]}/api/queue",
                     f"/t/{app.token}x/api/queue", f"/{app.token}/api/queue"):
            status, body, _ = request(url, path)
            assert status == 403, path
            assert b"cells" not in body
        # another Host (DNS rebinding): refused even with the token
        assert request(url, base + "api/queue", headers={"Host": "evil.example:80"})[0] == 403
        # paths outside DATASET
        for path in ("api/report/../secret", "api/report/..%2F..%2Fsecret", "api/report/%2e%2e%2fsecret",
                     "static/../app.py", "static/..%2f..%2fapp.py", "img/../../secret/1.jpg",
                     "api/report/" + rid + "%2F..%2F..%2Fsecret", "api/report/secret",
                     "api/report/..%5Csecret", "static/%2Fetc%2Fpasswd"):
            status, body, _ = request(url, base + path)
            assert status in (403, 404), path
            assert body.strip() != b"{}"
        os.symlink(tmp_path / "secret.json", ds / "fedcba9876543210-link.json")
        try:
            assert request(url, base + "api/report/fedcba9876543210-link")[0] == 404
        finally:
            (ds / "fedcba9876543210-link.json").unlink()
        # bodies: too large, not JSON, no length
        key = json.loads(request(url, base + f"api/report/{rid}")[1])["open"][0].split("|")
        big = json.dumps({"table": key[0], "row": key[1], "col": key[2], "action": "value",
                          "value": "1" + " " * MAX_BODY}).encode()
        assert request(url, base + f"api/decide/{rid}", "POST", big, {"Content-Type": "application/json"})[0] == 413
        assert request(url, base + f"api/decide/{rid}", "POST", b"table=x",
                       {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
        assert decide(url, rid, ("appeals", "review", "nope"))[0] == 400
        assert decide(url, rid, tuple(key), "value", "1e999")[0] == 400
        assert decide(url, rid, tuple(key), "value", "<b>")[0] == 400
        assert decide(url, "0000000000000000-none", tuple(key), "value", "1")[0] == 404
        _, _, headers = request(url, base)
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert not CorrectionStore(ds).decisions()  # nothing refused was recorded


def test_report_text_is_escaped(tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    rid = hostile_report(ds)
    app = VerifyApp(ds, "ann")
    data = app.payload(rid)
    for part in ("header", "issues", "tables", "pages"):
        assert "<script" not in data[part] and "<img src=x" not in data[part], part
    assert "&lt;script&gt;" in data["header"] and "&lt;script&gt;" in data["issues"]
    assert app.queue()["reports"][0]["agency"].startswith("<img")  # raw in JSON: the page sets it as text


def test_decisions_survive_kill_9_and_two_servers_share_a_folder(dataset):
    ds, truths = dataset
    rid, truth = list(truths.items())[1]
    open_keys = []
    with server(ds, "ann") as (url, proc):
        data = json.loads(request(url, urlsplit(url).path + f"api/report/{rid}")[1])
        open_keys = [tuple(k.split("|")) for k in data["open"]]
        first = open_keys[0]
        status, after = decide(url, rid, first, "value", str(int(truth[first])))
        assert status == 200 and "|".join(first) not in after["open"]
        os.kill(proc.pid, signal.SIGKILL)  # no goodbye: nothing accepted may be lost
        proc.wait()
    got = CorrectionStore(ds).for_doc(rid.split("-")[0])
    assert [(d.key, d.value) for d in got] == [(first, truth[first])]
    cell = Report.from_dict(report_json(ds, rid)).cell(*first)
    assert (cell.status, cell.value) == ("verified", truth[first])

    # two servers on one folder, deciding cells of one report at once
    rest = open_keys[1:7]
    with server(ds, "ann") as (url_a, _), server(ds, "bo") as (url_b, _):
        errors: list[object] = []

        def run(url: str, keys: list[tuple[str, str, str]]) -> None:
            for k in keys:
                status, body = decide(url, rid, k, "value", str(int(truth[k])))
                if status != 200:
                    errors.append(body)

        threads = [threading.Thread(target=run, args=(u, rest[i::2])) for i, u in enumerate((url_a, url_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors
    lines = (ds / "corrections.jsonl").read_bytes().splitlines()
    assert len(lines) == 1 + len(rest) and all(json.loads(x) for x in lines)
    report = Report.from_dict(report_json(ds, rid))
    for k in [first, *rest]:
        assert (report.cell(*k).status, report.value(*k)) == ("verified", truth[k])
    assert {d.reviewer for d in CorrectionStore(ds).decisions()} == {"ann", "bo"}
