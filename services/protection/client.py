"""Typed HTTP clients for the protection service (sync and async, httpx).

    with ProtectionClient("http://127.0.0.1:8003", token) as c:
        case = c.receive_case(CaseCreate(case_no=..., kind="assistance", centre_id=..., uscc=..., ...))
        c.accept_case(case.id)

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import datetime

from libs.common.client import ApiClient, AsyncApiClient, ClientCalls, get, patch, post
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.client import query as _params
from libs.common.pagination import Page
from services.protection.schemas import (
    CaseCreate,
    CaseOut,
    CaseSummaryOut,
    CentreCreate,
    CentreOut,
    CentreUpdate,
    CloseIn,
    ComplianceOut,
    DeregisterIn,
    OverdueList,
    StepIn,
    VisitCreate,
    VisitOut,
    WorkstationCreate,
    WorkstationOut,
)


def _step(at: datetime | None, note: str | None) -> StepIn:
    return StepIn(**_params(at=at, note=note))


class _Methods(ClientCalls):
    """Every call, once — shared by both clients (bodies keep None; a PATCH sends only what was set)."""

    # centres
    def register_centre(self, data: CentreCreate) -> CentreOut:
        return self._call(post("/api/v1/centres", CentreOut, data))

    def update_centre(self, centre_id: str, data: CentreUpdate) -> CentreOut:
        return self._call(patch(f"/api/v1/centres/{centre_id}", CentreOut, data))

    def get_centre(self, centre_id: str) -> CentreOut:
        return self._call(get(f"/api/v1/centres/{centre_id}", CentreOut))

    def list_centres(self, *, city: str | None = None, kind: str | None = None) -> list[CentreOut]:
        return self._call(get("/api/v1/centres", list[CentreOut], city=city, kind=kind))

    # workstations
    def establish_workstation(self, data: WorkstationCreate) -> WorkstationOut:
        return self._call(post("/api/v1/workstations", WorkstationOut, data))

    def get_workstation(self, ws_id: int) -> WorkstationOut:
        return self._call(get(f"/api/v1/workstations/{ws_id}", WorkstationOut))

    def list_workstations(self, *, city: str | None = None, level: str | None = None, year: int | None = None,
                          active: bool | None = None, host_uscc: str | None = None, limit: int = 50,
                          offset: int = 0) -> Page[WorkstationOut]:
        return self._call(get("/api/v1/workstations", Page[WorkstationOut], city=city, level=level, year=year,
                              active=active, host_uscc=host_uscc, limit=limit, offset=offset))

    def deregister_workstation(self, ws_id: int, data: DeregisterIn) -> WorkstationOut:
        return self._call(post(f"/api/v1/workstations/{ws_id}/deregister", WorkstationOut, data))

    # cases
    def receive_case(self, data: CaseCreate) -> CaseOut:
        return self._call(post("/api/v1/cases", CaseOut, data))

    def get_case(self, case_id: int) -> CaseOut:
        return self._call(get(f"/api/v1/cases/{case_id}", CaseOut))

    def list_cases(self, *, city: str | None = None, centre_id: str | None = None, kind: str | None = None,
                   status: str | None = None, uscc: str | None = None, case_no: str | None = None,
                   year: int | None = None, limit: int = 50, offset: int = 0) -> Page[CaseOut]:
        return self._call(get("/api/v1/cases", Page[CaseOut], city=city, centre_id=centre_id, kind=kind, status=status,
                              uscc=uscc, case_no=case_no, year=year, limit=limit, offset=offset))

    def overdue_cases(self, *, city: str | None = None, centre_id: str | None = None,
                      kind: str | None = None) -> OverdueList:
        return self._call(get("/api/v1/cases/overdue", OverdueList, city=city, centre_id=centre_id, kind=kind))

    def case_summary(self, year: int, *, city: str | None = None, centre_id: str | None = None) -> CaseSummaryOut:
        return self._call(get("/api/v1/cases/summary", CaseSummaryOut, year=year, city=city, centre_id=centre_id))

    def accept_case(self, case_id: int, at: datetime | None = None, note: str | None = None) -> CaseOut:
        return self._call(post(f"/api/v1/cases/{case_id}/accept", CaseOut, _step(at, note)))

    def start_handling(self, case_id: int, at: datetime | None = None, note: str | None = None) -> CaseOut:
        return self._call(post(f"/api/v1/cases/{case_id}/start-handling", CaseOut, _step(at, note)))

    def close_case(self, case_id: int, data: CloseIn) -> CaseOut:
        return self._call(post(f"/api/v1/cases/{case_id}/close", CaseOut, data))

    # visits
    def record_visit(self, data: VisitCreate) -> VisitOut:
        return self._call(post("/api/v1/visits", VisitOut, data))

    def list_visits(self, *, city: str | None = None, centre_id: str | None = None, month: str | None = None,
                    uscc: str | None = None, limit: int = 50, offset: int = 0) -> Page[VisitOut]:
        return self._call(get("/api/v1/visits", Page[VisitOut], city=city, centre_id=centre_id, month=month,
                              uscc=uscc, limit=limit, offset=offset))

    def visit_compliance(self, *, from_month: str | None = None, to_month: str | None = None, city: str | None = None,
                         centre_id: str | None = None) -> ComplianceOut:
        return self._call(get("/api/v1/visits/compliance", ComplianceOut, from_month=from_month, to_month=to_month,
                              city=city, centre_id=centre_id))

    def known_enterprise(self, uscc: str) -> dict:
        """The enterprise as this service knows it (ApiError 404 until its registration arrived)."""
        return self._call(get(f"/api/v1/known-enterprises/{uscc}", dict))


class ProtectionClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncProtectionClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
