"""A real OpenLDAP server for the directory sign-in tests: Debian's slapd run as the test's own
process (not the system service) on a free port, with a generated slapd.conf and a seeded
directory in a temporary folder. The ppolicy overlay is loaded so a locked account carries
OpenLDAP's own pwdAccountLockedTime attribute.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=bank,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"
SERVICE_DN = f"cn=fiducia-service,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-bind-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
USER_PASSWORD = "Directory-pw-2026"

CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {dir}/ad.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_password}
directory {dir}/db
overlay ppolicy
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by * read
"""


# Active Directory's userAccountControl (its real OID) on an auxiliary class, so AD-style
# accounts (512 = normal, 514 = normal + ACCOUNTDISABLE) live in the same test directory.
AD_SCHEMA = """\
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'fiduciaTestADAccount' AUXILIARY
  MAY userAccountControl )
"""


def available() -> bool:
    return os.path.exists(SLAPD) and os.path.exists(SLAPADD)


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUPS}"


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def person(
    uid, *, branch=None, team=None, locked=False, ad_control=None, given="Wei", sn="Zhang"
) -> str:
    lines = [
        f"dn: {user_dn(uid)}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {given} {sn}",
        f"givenName: {given}",
        f"sn: {sn}",
        f"displayName: {sn}{given}",
        f"mail: {uid}@bank.example",
        f"userPassword: {USER_PASSWORD}",
    ]
    if branch:
        lines.append(f"departmentNumber: {branch}")
    if team:
        lines.append(f"ou: {team}")
    if locked:
        lines.append("pwdAccountLockedTime: 000001010000Z")  # locked until unlocked by hand
    if ad_control is not None:
        lines += ["objectClass: fiduciaTestADAccount", f"userAccountControl: {ad_control}"]
    return "\n".join(lines)


def group(cn: str, members: list[str]) -> str:
    lines = [f"dn: {group_dn(cn)}", "objectClass: groupOfNames", f"cn: {cn}"]
    # groupOfNames needs a member: the service account stands in for an empty group.
    lines += [f"member: {user_dn(m)}" for m in members] or [f"member: {SERVICE_DN}"]
    return "\n".join(lines)


def base_entries() -> list[str]:
    return [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bank\no: Bank",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: fiducia-service\nuserPassword: {SERVICE_PASSWORD}",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(folder: Path, entries: list[str]) -> Slapd:
    """Write the configuration, load `entries` with slapadd, start slapd and wait for it."""
    (folder / "db").mkdir(parents=True)
    (folder / "ad.schema").write_text(AD_SCHEMA)
    conf = folder / "slapd.conf"
    conf.write_text(
        CONF.format(dir=folder, suffix=SUFFIX, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD)
    )
    ldif = folder / "seed.ldif"
    ldif.write_text("\n\n".join(base_entries() + entries) + "\n")
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(ldif)], check=True, capture_output=True)
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground (the test owns the process), log nothing.
    process = subprocess.Popen(
        [SLAPD, "-d", "0", "-f", str(conf), "-h", uri + "/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {process.stderr.read().decode(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return Slapd(uri=uri, process=process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("slapd did not start within 15 s")
