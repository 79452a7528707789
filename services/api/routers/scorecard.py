"""The annual scorecard (履职成绩单): JSON, a printable A4 page, CSV and XLSX.
Role rule: staff, leaders, auditors and admins; departments and the public may not read it."""

from typing import Annotated, Literal

from fastapi import Depends, Path, Query
from fastapi.responses import HTMLResponse, Response

from services.api.deps import Session, require
from services.api.schemas import CSV, XLSX, media
from services.api.unit_of_work import api_router
from shared.auth import OFFICE_READERS, Actor
from shared.org import queries as org_queries
from shared.schemas import Year
from shared.scorecard import metrics, render
from shared.scorecard.schemas import Scorecard

router = api_router(tags=["scorecard"])

Reader = Annotated[Actor, Depends(require(*OFFICE_READERS))]
# Years outside 1949–2100 are a 422 (api.md), in every format.
YearParam = Annotated[Year, Path()]


async def _card(session: Session, actor: Actor, year: int) -> Scorecard:
    organisation = await org_queries.organisation(session, actor)
    return await metrics.compute(session, organisation, year)


def _download(year: int, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="scorecard-{year}.{extension}"'}


@router.get(
    "/scorecards/{year}.html",
    response_class=HTMLResponse,
    summary="The scorecard as a printable A4 page",
)
async def scorecard_page(session: Session, actor: Reader, year: YearParam) -> HTMLResponse:
    return HTMLResponse(render.to_html(await _card(session, actor, year)))


@router.get(
    "/scorecards/{year}.xlsx",
    summary="The scorecard as a spreadsheet",
    response_class=Response,
    responses=media(XLSX, "The scorecard as an XLSX workbook", binary=True),
)
async def scorecard_xlsx(session: Session, actor: Reader, year: YearParam) -> Response:
    return Response(
        render.to_xlsx(await _card(session, actor, year)),
        media_type=XLSX,
        headers=_download(year, "xlsx"),
    )


@router.get(
    "/scorecards/{year}",
    response_model=Scorecard,
    summary="The year's figures (履职成绩单); ?format=csv for a spreadsheet",
    responses=media(CSV, "The figures as JSON, or with ?format=csv as CSV (UTF-8)"),
)
async def scorecard(
    session: Session,
    actor: Reader,
    year: YearParam,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Scorecard | Response:
    card = await _card(session, actor, year)
    if format == "csv":
        return Response(
            render.to_csv(card),
            media_type=f"{CSV}; charset=utf-8",
            headers=_download(year, "csv"),
        )
    return card
