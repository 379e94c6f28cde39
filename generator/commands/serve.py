"""``rubric-forms serve``: the local web app, on 127.0.0.1, opened in the default browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands.options import add_rubrics_option, rubrics_file
from generator.errors import UsageError, UserError
from generator.terminal import say

DEFAULT_PORT = 8765


def register(sub: argparse._SubParsersAction) -> None:
    from generator.web.workspace import DEFAULT_NAME

    parser = sub.add_parser(
        "serve",
        help="在本机启动网页版，在浏览器中完成生成、发放、回收和汇总",
        description=(
            "在本机（127.0.0.1）启动网页版并用默认浏览器打开。上传的文件、生成的表格和汇总结果都保存在工作区文件夹中，"
            "关闭浏览器或重启服务都不会丢失。\n"
            "链接中带有本次启动的访问令牌，只有用这个链接打开的浏览器才能访问；按 Ctrl+C 停止服务。"
        ),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"端口（默认：{DEFAULT_PORT}；0 表示任选空闲端口）"
    )
    parser.add_argument("--no-browser", action="store_true", help="不自动打开浏览器")
    parser.add_argument(
        "--workspace",
        type=Path,
        default=Path(DEFAULT_NAME),
        metavar="目录",
        help=f"工作区文件夹（默认：当前文件夹中的 {DEFAULT_NAME}）",
    )
    add_rubrics_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import secrets
    import socket
    import webbrowser

    import uvicorn
    from filelock import FileLock, Timeout

    from generator.model.loader import load
    from generator.web.app import create_app

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port 须在 0 到 65535 之间，收到：{args.port}")
    rubrics = load(rubrics_file(args))
    args.workspace.mkdir(parents=True, exist_ok=True)
    lock = FileLock(args.workspace / ".serve.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UserError(f"工作区 {args.workspace} 已有一个网页版服务在运行；请使用那个服务，或另选工作区。") from None
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", args.port))
        except OSError:
            sock.close()
            raise UserError(f"端口 {args.port} 已被占用；请用 --port 换一个端口（或 --port 0 任选）。") from None
        sock.listen()
        token = secrets.token_urlsafe(32)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
        app = create_app(args.workspace, token, rubrics)
        say(f"工作区：{args.workspace.resolve()}")
        say(f"网页版已启动，请在浏览器中打开：\n  {url}\n按 Ctrl+C 停止服务。")
        if not args.no_browser:
            webbrowser.open(url)
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
        say("服务已停止。")
    finally:
        lock.release()
    return 0
