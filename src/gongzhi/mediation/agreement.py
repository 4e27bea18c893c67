"""The mediation agreement (人民调解协议书): its content, and a PDF when a CJK font is on the machine.

The HTML print page (web/templates/mediation/agreement.html) is always available. The PDF embeds a
subset of a system CJK font (Noto Sans CJK SC from Debian's fonts-noto-cjk, or another listed in
GONGZHI_CJK_FONT); nothing is shipped with the package, so without such a font there is no PDF.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.clock import local
from gongzhi.errors import Conflict, Forbidden
from gongzhi.geo import service as geo
from gongzhi.i18n import translate
from gongzhi.mediation import service

# (path, index in a font collection): Simplified Chinese faces first.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@dataclass(frozen=True)
class AgreementParty:
    role: str
    name: str
    id_number: str
    address: str


@dataclass(frozen=True)
class Agreement:
    number: str
    place: str
    parties: list[AgreementParty]
    facts: str
    terms: str
    mediator: str
    concluded: str
    organisation: str


def build(session: Session, *, user: User, dispute_id: int, now: datetime) -> Agreement:
    """The agreement of a concluded dispute, for its parties' signatures. Staff only: it shows the
    parties' full names and ID numbers, so the read is logged."""
    dispute = service.get_dispute(session, user, dispute_id)
    if dispute.status != "agreement" or dispute.concluded_at is None:
        raise Conflict("mediation_agreement_missing")
    if user.role == "resident":
        raise Forbidden("mediation_pii_forbidden")
    views = service.party_views(session, user=user, dispute=dispute, now=now, reveal=True)
    grid = geo.get_area_by_id(session, dispute.grid_id)
    chain = geo.ancestors(session, grid)
    org_area = next((a for a in chain if a.level == "community"), grid)
    mediator = service.mediator_user(session, dispute)
    return Agreement(
        number=service.dispute_number(dispute),
        place=dispute.address or grid.name,
        parties=[AgreementParty(translate(f"mediation.party.{p.role}"), p.name, p.id_number, p.address)
                 for p in views],
        facts=dispute.description,
        terms=dispute.agreement_terms,
        mediator=service.name_of(mediator) if mediator else "",
        concluded=f"{local(dispute.concluded_at):%Y年%m月%d日}",
        organisation=f"{org_area.name}人民调解委员会",
    )


def find_font() -> tuple[str, int] | None:
    override = os.environ.get("GONGZHI_CJK_FONT")
    candidates = ((override, 0),) if override else ()
    for path, index in (*candidates, *FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path, index
    return None


def pdf(agreement: Agreement) -> bytes | None:
    """The agreement as a PDF (A4), or None when no CJK font is installed."""
    font = find_font()
    if font is None:
        return None
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=20)
    doc.add_page()
    doc.add_font("cjk", "", font[0], collection_font_number=font[1])
    doc.set_font("cjk", size=20)
    doc.cell(0, 14, "人民调解协议书", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10)
    doc.cell(0, 8, f"编号：{agreement.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=12)
    for p in agreement.parties:
        line = f"{p.role}：{p.name}"
        if p.id_number:
            line += f"　身份证号：{p.id_number}"
        if p.address:
            line += f"　住址：{p.address}"
        doc.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    for title, text in (("纠纷主要事实、争议事项：", agreement.facts), ("经调解，自愿达成如下协议：", agreement.terms)):
        doc.set_font("cjk", size=13)
        doc.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("cjk", size=12)
        doc.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)
    doc.multi_cell(0, 8, "履行方式、时限：按上述协议内容履行。本协议经各方当事人签名（盖章）、人民调解员签名"
                         "并加盖人民调解委员会印章后生效。本协议一式三份，当事人各执一份，人民调解委员会留存一份。",
                   new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    for p in agreement.parties:
        doc.cell(0, 10, f"{p.role}（签名）：____________", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 10, f"人民调解员（签名）：{agreement.mediator}", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 10, f"{agreement.organisation}（印章）", align="R", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 10, agreement.concluded, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
