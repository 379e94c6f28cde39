"""Sending through a real SMTP server on loopback (aiosmtpd, started here): once per applicant, resumable.

Nothing here connects anywhere but 127.0.0.1.
"""

from __future__ import annotations

import email
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from generator.cli import main
from generator.distribute.roster import read_roster
from generator.distribute.send_log import SendLog
from generator.distribute.smtp_send import RateLimiter, connect, send_all
from generator.distribute.smtp_settings import SmtpSettings
from generator.errors import UserError
from generator.model.rubric import RubricSet
from generator.readers.returns import read_return
from tests.roster_support import GOOD_ROWS, HOST, Recorder, free_port, write_csv

PASSWORD_ENV = "RUBRIC_FORMS_TEST_SMTP_PASSWORD"
STAR_VALUES = {"name": "张伟", "unit": "中国电信北京分公司", "post": "客服代表"}
TEAM_VALUES = {"team_name": "巾帼文明岗", "unit": "国网上海市电力公司"}
MANAGER_VALUES = {"name": "欧阳娜娜", "unit": "招商银行深圳分行", "post": "行长"}
EXPECTED = {
    "zhangwei@example.com": ("张伟", "全国用户满意服务明星自评标准", STAR_VALUES),
    "jinguo@example.com": ("巾帼文明岗", "全国用户满意服务明星班组自评标准", TEAM_VALUES),
    "ouyang@example.com": ("欧阳娜娜", "全国用户满意服务杰出管理者自评标准", MANAGER_VALUES),
}


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname=HOST, port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "名单.csv", GOOD_ROWS, "gb18030")


def mail(roster: Path, out: Path, port: int, *extra: str) -> int:
    settings = ["--from", "人力资源部 <hr@example.com>", "--deadline", "7月31日", "--out", str(out)]
    smtp = ["--smtp-host", HOST, "--smtp-port", str(port), "--security", "none", "--rate", "60000"]
    return main(["mail", str(roster), *settings, "--send", *smtp, *extra])


def log_events(path: Path) -> list[tuple[str, str]]:
    return [(e["event"], e["email"]) for e in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def test_each_applicant_receives_their_own_form_once(
    server: tuple[Recorder, int],
    roster: Path,
    tmp_path: Path,
    rubric_set: RubricSet,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder, port = server
    out = tmp_path / "邮件"
    assert mail(roster, out, port) == 0
    assert sorted(recorder.recipients()) == sorted(EXPECTED)
    for (address,), raw in recorder.received:
        name, title, values = EXPECTED[address]
        message = email.message_from_bytes(raw, policy=policy.default)
        assert message["Subject"] == f"请填写《{title}》（{name}），7月31日前交回"
        assert message["To"].addresses[0].display_name == name
        assert message["From"].addresses[0].display_name == "人力资源部"
        (attachment,) = list(message.iter_attachments())
        pdf = tmp_path / attachment.get_filename()
        pdf.write_bytes(attachment.get_content())
        result = read_return(pdf, rubric_set)
        assert result.read and result.applicant == values
    assert "本次发送成功 3 封" in capsys.readouterr().out
    log = out / "发送记录.jsonl"
    assert [event for event, _ in log_events(log)] == ["attempt", "sent"] * 3

    assert mail(roster, out, port) == 0  # the second run sends nothing
    assert len(recorder.received) == 3
    assert "此前已发送、本次跳过 3 封" in capsys.readouterr().out
    assert len(log_events(log)) == 6


def test_a_refused_recipient_is_reported_and_the_rest_go_out(
    server: tuple[Recorder, int], roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, port = server
    recorder.refuse = {"jinguo@example.com"}
    out = tmp_path / "邮件"
    assert mail(roster, out, port) == 1
    assert sorted(recorder.recipients()) == ["ouyang@example.com", "zhangwei@example.com"]
    captured = capsys.readouterr()
    assert "第 3 行 巾帼文明岗 <jinguo@example.com>：被邮件服务器拒绝：550 5.1.1 Mailbox unavailable" in captured.err
    assert "发送失败 1 封" in captured.out
    assert ("failed", "jinguo@example.com") in log_events(out / "发送记录.jsonl")

    recorder.refuse = set()
    assert mail(roster, out, port) == 0  # a re-run retries only the failed one
    assert sorted(recorder.recipients()) == sorted(EXPECTED)


def test_an_interrupted_run_resumes_without_sending_twice(
    server: tuple[Recorder, int], roster: Path, tmp_path: Path, rubric_set: RubricSet
) -> None:
    recorder, port = server
    applicants = read_roster(roster, rubric_set, require_email=True).applicants
    settings = SmtpSettings(HOST, port, "none", per_minute=60000)
    log_path = tmp_path / "发送记录.jsonl"

    def stop_after_first(applicant: object, outcome: str, reason: str) -> None:
        raise KeyboardInterrupt

    with SendLog(log_path) as log, pytest.raises(KeyboardInterrupt):
        send_all(applicants, _message_for(rubric_set), settings, log, progress=stop_after_first)
    assert recorder.recipients() == ["zhangwei@example.com"]
    with log_path.open("a", encoding="utf-8") as handle:  # a crash after handing the second one to the server
        handle.write(json.dumps({"event": "attempt", "key": applicants[1].key}, ensure_ascii=False) + "\n")
        handle.write('{"event": "sent", "key": "cut sh')  # ... while writing its outcome
    with SendLog(log_path) as log:
        summary = send_all(applicants, _message_for(rubric_set), settings, log)
    assert recorder.recipients() == ["zhangwei@example.com", "ouyang@example.com"]
    assert [a.email for a in summary.uncertain] == ["jinguo@example.com"]
    assert [a.email for a in summary.already_sent] == ["zhangwei@example.com"]
    with SendLog(log_path) as log:
        summary = send_all(applicants, _message_for(rubric_set), settings, log, resend_uncertain=True)
    assert sorted(recorder.recipients()) == sorted(EXPECTED)
    assert len(summary.sent) == 1 and len(summary.already_sent) == 2


def test_a_connection_lost_mid_message_is_not_sent_again_unless_asked(
    server: tuple[Recorder, int], roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, port = server
    recorder.drop = {"jinguo@example.com"}
    out = tmp_path / "邮件"
    assert mail(roster, out, port) == 1  # the rest still go out over a new connection
    assert sorted(recorder.recipients()) == sorted(EXPECTED)
    captured = capsys.readouterr()
    assert "第 3 行 巾帼文明岗 <jinguo@example.com>：发送途中连接中断" in captured.err
    assert "状态不明未重发 1 封" in captured.out
    assert mail(roster, out, port) == 1  # still uncertain: not sent again
    assert len(recorder.received) == 3
    assert "上次发送时中断，无法确定是否已送达，本次未重发" in capsys.readouterr().err
    assert mail(roster, out, port, "--resend-uncertain") == 0
    assert recorder.recipients().count("jinguo@example.com") == 2


def _message_for(rubric_set: RubricSet):  # type: ignore[no-untyped-def]
    from email.message import EmailMessage

    def make(applicant) -> EmailMessage:  # type: ignore[no-untyped-def]
        message = EmailMessage()
        message["From"] = "hr@example.com"
        message["To"] = applicant.email
        message["Subject"] = applicant.name
        message["Message-ID"] = f"<{applicant.row}@example.com>"
        message.set_content("x")
        return message

    return make


def test_send_log_survives_a_torn_last_line_but_not_a_damaged_middle(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"event": "sent", "key": "a"}\n{"event": "se', encoding="utf-8")
    with SendLog(path) as log:
        assert log.status == {"a": "sent"}
    path.write_text('{"event": "sent", "key": "a"}\nnot json\n{"event": "sent", "key": "b"}\n', encoding="utf-8")
    with pytest.raises(UserError, match="第 2 行已损坏"):
        SendLog(path)


@pytest.fixture
def auth_server() -> Iterator[tuple[Recorder, int]]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"hr", "口令-secret".encode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    recorder = Recorder()
    controller = Controller(
        recorder, hostname=HOST, port=free_port(), authenticator=check, auth_required=True, auth_require_tls=False
    )
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_password_only_from_the_environment(
    auth_server: tuple[Recorder, int],
    roster: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder, port = auth_server
    out = tmp_path / "邮件"
    login = ("--smtp-user", "hr", "--password-env", PASSWORD_ENV)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert mail(roster, out, port, *login) == 1
    assert f"请先设置环境变量 {PASSWORD_ENV}" in capsys.readouterr().err
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    assert mail(roster, out, port, *login) == 1
    assert "拒绝登录（用户 hr）" in capsys.readouterr().out
    assert recorder.received == []
    monkeypatch.setenv(PASSWORD_ENV, "口令-secret")
    assert mail(roster, out, port, *login) == 0
    assert sorted(recorder.recipients()) == sorted(EXPECTED)
    with pytest.raises(SystemExit) as usage:
        main(["mail", str(roster), "--password", "口令-secret"])  # no such option, and no abbreviation either
    assert usage.value.code == 2 and "无法识别的参数：--password" in capsys.readouterr().err


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_connections(
    certificate: tuple[Path, Path], roster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    options: dict[str, Any] = {"ssl_context": context} if security == "ssl" else {"tls_context": context}
    controller = Controller(
        recorder, hostname=HOST, port=free_port(), require_starttls=security == "starttls", **options
    )
    controller.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate, verification stays on
        assert mail(roster, tmp_path / "邮件", controller.port, "--security", security) == 0
        assert sorted(recorder.recipients()) == sorted(EXPECTED)
        monkeypatch.delenv("SSL_CERT_FILE")  # the system's trust store does not know the test certificate
        with pytest.raises(UserError, match="建立加密连接失败"):
            connect(SmtpSettings(HOST, controller.port, security))  # type: ignore[arg-type]
    finally:
        controller.stop()


def test_rate_limit_spaces_the_messages() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(per_minute=30, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 0.5
    limiter.wait()
    now[0] += 5.0
    limiter.wait()
    assert slept == [1.5]  # 2 s apart: the second waits 1.5 s, the third comes late enough


def test_settings_from_a_config_file(server: tuple[Recorder, int], roster: Path, tmp_path: Path) -> None:
    recorder, port = server
    config = tmp_path / "邮件设置.toml"
    config.write_text(
        f'[smtp]\nhost = "{HOST}"\nport = {port}\nsecurity = "none"\nper_minute = 60000\n'
        '[mail]\nfrom = "人力资源部 <hr@example.com>"\nreply_to = "pingshen@example.com"\ndeadline = "8月1日"\n',
        encoding="utf-8",
    )
    assert main(["mail", str(roster), "--config", str(config), "--send", "--out", str(tmp_path / "邮件")]) == 0
    assert sorted(recorder.recipients()) == sorted(EXPECTED)
    message = email.message_from_bytes(recorder.received[0][1], policy=policy.default)
    assert message["Subject"].endswith("8月1日前交回")
    assert message["Reply-To"].addresses[0].addr_spec == "pingshen@example.com"
