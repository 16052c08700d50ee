"""``lindung api-client add NAME --region CODE --scope SCOPE... [--rate-limit N] [--json]``: register a system
that calls the API (OAuth2 client credentials) and print its ``client_id`` and ``client_secret``, once;
``lindung api-client list [--json]`` and ``lindung api-client revoke CLIENT_ID`` (issue 18).

Run on the server by whoever runs it: the services' ``actor`` is None (``accounts.api_access``), and the audit
log says so. A refusal is one sentence (a ``CommandError``), never a traceback.
"""

from __future__ import annotations

import json
from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.utils import timezone, translation
from django.utils.translation import gettext

from lindung.accounts.api_access import api_client_create, api_client_revoke, api_clients_visible
from lindung.accounts.api_scopes import scope_actions_listed, scope_sentence
from lindung.accounts.models import ApiClient
from lindung.accounts.permissions import ApiScope
from lindung.commands import add_lang_argument
from lindung.errors import RefusedStep


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's order of options, and the scope list's lines kept as written."""


def scopes_help() -> str:
    """Every scope, what it grants and the actions it grants (in English, as the rest of ``--help``)."""
    with translation.override("en"):
        lines = ["scopes (--scope all grants every one):"]
        for scope in ApiScope:
            lines.append(f"  {scope.value:<14} {scope_sentence(scope)}")
            lines.append(f"  {'':<14} actions: {scope_actions_listed(scope) or '-'}")
    return "\n".join(lines)


def _client_row(client: ApiClient) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "region": client.user.region_id or "",
        "scopes": list(client.scopes),
        "rate_limit_per_minute": client.rate_limit_per_minute,
        "created_at": client.created_at.isoformat(),
        "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None,
    }


class Command(BaseCommand):
    help = "API clients (systems calling /api/v1/ with OAuth2 client credentials): register, list, revoke."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        parser.epilog = scopes_help()
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser(
            "add",
            help="Register a client; its client_id and client_secret are printed once.",
            epilog=scopes_help(),
            formatter_class=_HelpFormatter,
        )
        add.add_argument("name", help="The system's name, unique (such as 'Dukcapil Kalbar').")
        add.add_argument(
            "--region", required=True, metavar="CODE", help="The client's region: a province (61) or regency (61.01)."
        )
        add.add_argument(
            "--scope",
            dest="scopes",
            required=True,
            nargs="+",
            metavar="SCOPE",
            help="One or more scopes (listed below), or 'all'.",
        )
        add.add_argument(
            "--rate-limit", dest="rate_limit", type=int, default=600, metavar="N", help="Requests a minute (600)."
        )
        add.add_argument("--json", action="store_true", help='Print {"client_id": ..., "client_secret": ...}.')
        listing = sub.add_parser("list", help="List the clients, newest first, with their region and scopes.")
        listing.add_argument("--json", action="store_true", help="Print a JSON list.")
        revoke = sub.add_parser("revoke", help="Revoke a client: it and every token it holds stop working at once.")
        revoke.add_argument("client_id", help="The client's client_id.")
        for command in (add, listing, revoke):
            add_lang_argument(command)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            if options["subcommand"] == "add":
                self._add(options)
            elif options["subcommand"] == "list":
                self._list(as_json=options["json"])
            else:
                self._revoke(options["client_id"])

    def _add(self, options: dict[str, Any]) -> None:
        try:
            client, secret = api_client_create(
                actor=None,
                name=options["name"],
                region_code=options["region"],
                scopes=options["scopes"],
                rate_limit_per_minute=options["rate_limit"],
            )
        except RefusedStep as refusal:
            raise CommandError(refusal.text) from None
        if options["json"]:
            self.stdout.write(json.dumps({"client_id": client.client_id, "client_secret": secret}))
            return
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stderr.write(
            gettext("The secret is shown only now: Lindung keeps only its hash. Keep it where the system reads it.")
        )

    def _list(self, *, as_json: bool) -> None:
        clients = list(api_clients_visible(None))
        if as_json:
            self.stdout.write(json.dumps([_client_row(client) for client in clients], ensure_ascii=False))
            return
        if not clients:
            self.stdout.write(gettext("No API client is registered."))
        for client in clients:
            state = (
                gettext("revoked %(date)s") % {"date": f"{timezone.localtime(client.revoked_at):%Y-%m-%d %H:%M}"}
                if client.revoked_at
                else gettext("active")
            )
            self.stdout.write(
                "\t".join(
                    [
                        client.client_id,
                        client.name,
                        client.user.region_id or "",
                        " ".join(client.scopes),
                        f"{client.rate_limit_per_minute}/min",
                        state,
                    ]
                )
            )

    def _revoke(self, client_id: str) -> None:
        client = ApiClient.objects.select_related("user", "user__region").filter(client_id=client_id).first()
        if client is None:
            raise CommandError(gettext("There is no API client %(client_id)s.") % {"client_id": client_id[:64]})
        if api_client_revoke(actor=None, client=client):
            self.stdout.write(
                gettext("The client %(name)s is revoked: its tokens no longer work.") % {"name": client.name}
            )
        else:
            self.stdout.write(gettext("The client %(name)s was already revoked.") % {"name": client.name})
