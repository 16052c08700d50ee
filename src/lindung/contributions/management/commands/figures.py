"""``lindung figures --programme CODE [--region CODE] [--today YYYY-MM-DD] [--json]``: the headline figures of a
programme in a region on a day, from the selectors every page reads (``lindung.contributions.headline``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.contributions.headline import FIGURES, Figure, HeadlineScope, headline_figures
from lindung.numbers import rupiah, rupiah_number
from lindung.programmes.models import Programme
from lindung.regions.codes import dotted, is_within
from lindung.regions.models import Region


def _shown(figure: Figure, value: int | None) -> str:
    if value is None:
        return "–"
    return rupiah(value) if figure.is_money else rupiah_number(value)


class Command(BaseCommand):
    help = (
        "Print the headline figures of a programme (covered, in process, ended, in arrears, target, billed, paid, "
        "outstanding) in a region on a day, as every page counts them. Money in whole rupiah."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, metavar="CODE")
        parser.add_argument(
            "--region", default="", metavar="CODE", help="A region code, 61.71 or 6171 (default: the programme's)."
        )
        add_today_argument(parser)
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON (integers).")
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        day = parse_day(options["today"]) if options["today"] else timezone.localdate()
        programme = Programme.objects.select_related("region").filter(code=options["programme"]).first()
        if programme is None:
            raise CommandError(_("There is no programme with code %(code)s.") % {"code": options["programme"]})
        region = self._region(programme, options["region"])
        figures = headline_figures(HeadlineScope.of_programme(programme, region.code, day))
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_dict(), indent=2))
            return
        self.stdout.write(
            _("Programme %(code)s · %(region)s (%(region_code)s) · %(day)s")
            % {"code": programme.code, "region": region.name, "region_code": region.code, "day": day.isoformat()}
        )
        width = max(len(str(f.label)) for f in FIGURES)
        for figure, value in figures.items():
            self.stdout.write(f"  {figure.label!s:<{width}}  {_shown(figure, value):>20}")

    def _region(self, programme: Programme, wanted: str) -> Region:
        """The region asked for (the programme's by default), or a CommandError that says why it cannot be used."""
        if not wanted:
            return programme.region
        code = dotted(wanted)
        region = Region.objects.filter(code=code).first() if code else None
        if region is None:
            raise CommandError(_("There is no region with code %(code)s.") % {"code": wanted})
        if not (is_within(region.code, programme.region_id) or is_within(programme.region_id, region.code)):
            raise CommandError(
                _("Programme %(programme)s does not cover region %(code)s.")
                % {"programme": programme.code, "code": region.code}
            )
        return region
