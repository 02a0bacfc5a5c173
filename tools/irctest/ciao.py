"""irctest controller for ciao-server.

Used by scripts/irctest.sh (which puts this directory on PYTHONPATH and runs
irctest from the checkout in $IRCTEST_DIR with ``--controller ciao``).
The binary is $CIAO_SERVER, or target/release/ciao-server in this repository.
"""

import os
import shutil
from pathlib import Path
from typing import Optional, Set, Tuple, Type

from irctest import patma
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

REPO = Path(__file__).resolve().parents[2]


class CiaoController(BaseServerController, DirectoryBasedController):
    software_name = "ciao"
    supported_sasl_mechanisms: Set[str] = {"PLAIN", "SCRAM-SHA-256"}
    supports_sts = False
    # Every capability ciao implements: a test that needs one of them must
    # pass rather than be skipped.
    capabilities = frozenset(
        {
            Capabilities.ACCOUNT_NOTIFY,
            Capabilities.ACCOUNT_TAG,
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.EXTENDED_JOIN,
            Capabilities.EXTENDED_MONITOR,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_REDACTION,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTILINE,
            Capabilities.MULTI_PREFIX,
            Capabilities.READ_MARKER,
            Capabilities.SERVER_TIME,
            Capabilities.SETNAME,
        }
    )

    # Optional behaviours ciao has: a test that needs one must pass rather
    # than be skipped.
    optional_behaviors = frozenset(
        {
            OptionalBehaviors.BAN_EXCEPTION_MODE,
            OptionalBehaviors.CAP_REQ_MINUS,
            OptionalBehaviors.ELIST_C,
            OptionalBehaviors.ELIST_M,
            OptionalBehaviors.ELIST_N,
            OptionalBehaviors.ELIST_T,
            OptionalBehaviors.ELIST_U,
            OptionalBehaviors.INVITE_EXCEPTION_MODE,
            OptionalBehaviors.INVITE_LIST,
            OptionalBehaviors.INVITE_OVERRIDES_LIMIT,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_KICK,
            OptionalBehaviors.MULTI_NAMES_COMMAND,
            OptionalBehaviors.MULTI_PRIVMSG,
            OptionalBehaviors.NO_CTCP,
        }
    )
    # ISUPPORT tokens ciao must send (isupport.py's testValues checks them).
    isupport = {
        "BOT": "B",
        "CASEMAPPING": "rfc1459",
        "CHANMODES": "beI,k,l,Cimnst",
        "ELIST": "CMNTU",
        "EXCEPTS": "e",
        "INVEX": "I",
        "MONITOR": patma.ANYSTR,
        "MSGREFTYPES": "msgid,timestamp",
        "PREFIX": "(ohv)@%+",
        "STATUSMSG": "@%+",
        "TARGMAX": patma.ANYSTR,
        "UTF8ONLY": None,
        "WHOX": None,
    }

    def get_hostname_and_port(self) -> Tuple[str, int]:
        # irctest picks a free port on every interface and names the host
        # "0.0.0.0", also in the WebSocket tests' URL (ws://0.0.0.0:PORT),
        # which ciao's web port refuses as not one of the machine's names
        # or addresses (the DNS-rebinding check: 403). The same free port on
        # loopback, where every test connects anyway.
        _, port = super().get_hostname_and_port()
        return ("127.0.0.1", port)

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        # Services are built in (accounts, SASL, REGISTER, NickServ):
        # `run_services` needs nothing more.
        if self.test_config.account_registration_requires_email:
            raise NotImplementedByController("e-mail verification of accounts")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory
        binary = os.environ.get("CIAO_SERVER", str(REPO / "target/release/ciao-server"))
        command = [
            binary,
            "--listen",
            f"{hostname}:{port}",
            "--server-name",
            "My.Little.Server",
            "--server-info",
            "test server",
            "--oper",
            "operuser:operpassword",
            "--data-dir",
            str(self.directory / "data"),
            "--default-channel",
            "",
            # irctest sends faster than people type.
            "--flood",
            "off",
            # The controller runs irctest's plaintext tests (TLS ones are
            # "not implemented" above); no TLS listener on 6697.
            "--no-tls",
            # irctest registers accounts with passwords like "sesame".
            "--min-password-len",
            "1",
        ]
        # The web listener (IRCv3 WebSocket) on the port irctest chose for
        # its WebSocket tests; otherwise none, since the default
        # (0.0.0.0:8067) would be one port shared by every test's server.
        if websocket_hostname is not None and websocket_port is not None:
            command += ["--web", f"{websocket_hostname}:{websocket_port}"]
            # The WebSocket tests send a message and at once ask the
            # recipient for it (a PING round trip), without first
            # synchronising the sender as the other tests do; ciao stores
            # a message before relaying it, so the recipient's PONG can
            # overtake it by the commit's milliseconds, over TCP as over
            # WebSocket. irctest's knob for servers that relay
            # asynchronously (sable's is 0.1 s): a pause before each read.
            self.sync_sleep_time = 0.1
        else:
            command += ["--no-web"]
        if not self.test_config.account_registration_before_connect:
            command += ["--register-before-connect", "off"]
        if password is not None:
            command += ["--password", password]
        # Tests of channel and topic ages run the server on a fast clock
        # (libfaketime, Debian's `faketime`) when it is installed.
        if faketime and shutil.which("faketime"):
            command = ["faketime", "-f", faketime, *command]
            self.faketime_enabled = True
        self.proc = self.execute(command)


    def wait_for_services(self) -> None:
        # Built in: ready once the port is open.
        pass

    def registerUser(
        self,
        case,  # irctest.cases.BaseServerTestCase
        username: str,
        password: Optional[str] = None,
    ) -> None:
        """Registers the account `username` as a client would: connect with
        that nick and send draft/account-registration's REGISTER."""
        assert password, "ciao accounts have passwords"
        client = case.addClient(show_io=False)
        case.sendLine(client, "CAP LS 302")
        case.sendLine(client, "NICK " + username)
        case.sendLine(client, "USER r e g :user")
        case.sendLine(client, "CAP END")
        while case.getRegistrationMessage(client).command != "001":
            pass
        case.getMessages(client)
        case.sendLine(client, f"REGISTER * * :{password}")
        for _ in range(10):
            msg = case.getMessage(client)
            if msg.command == "REGISTER":
                assert msg.params[0] == "SUCCESS", msg
                break
            assert msg.command not in ("FAIL", "ERROR"), msg
        case.sendLine(client, "QUIT")
        case.assertDisconnected(client)


def get_irctest_controller_class() -> Type[CiaoController]:
    return CiaoController
