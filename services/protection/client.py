"""Typed HTTP clients for the protection service (sync and async, httpx).

    with ProtectionClient("http://127.0.0.1:8003", token) as c:
        case = c.receive_case(CaseCreate(case_no=..., kind="assistance", centre_id=..., uscc=..., ...))
        c.accept_case(case.id)

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from libs.common.client import ApiClient, AsyncApiClient
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


def _body(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_unset=isinstance(model, CentreUpdate))


class _Requests:
    """Every call as (method, path, json, params, response type) — shared by both clients."""

    @staticmethod
    def register_centre(data: CentreCreate):
        return "POST", "/api/v1/centres", _body(data), None, CentreOut

    @staticmethod
    def update_centre(centre_id: str, data: CentreUpdate):
        return "PATCH", f"/api/v1/centres/{centre_id}", _body(data), None, CentreOut

    @staticmethod
    def get_centre(centre_id: str):
        return "GET", f"/api/v1/centres/{centre_id}", None, None, CentreOut

    @staticmethod
    def list_centres(**filters: Any):
        return "GET", "/api/v1/centres", None, _params(**filters), list[CentreOut]

    @staticmethod
    def establish_workstation(data: WorkstationCreate):
        return "POST", "/api/v1/workstations", _body(data), None, WorkstationOut

    @staticmethod
    def get_workstation(ws_id: int):
        return "GET", f"/api/v1/workstations/{ws_id}", None, None, WorkstationOut

    @staticmethod
    def list_workstations(**filters: Any):
        return "GET", "/api/v1/workstations", None, _params(**filters), Page[WorkstationOut]

    @staticmethod
    def deregister_workstation(ws_id: int, data: DeregisterIn):
        return "POST", f"/api/v1/workstations/{ws_id}/deregister", _body(data), None, WorkstationOut

    @staticmethod
    def receive_case(data: CaseCreate):
        return "POST", "/api/v1/cases", _body(data), None, CaseOut

    @staticmethod
    def get_case(case_id: int):
        return "GET", f"/api/v1/cases/{case_id}", None, None, CaseOut

    @staticmethod
    def list_cases(**filters: Any):
        return "GET", "/api/v1/cases", None, _params(**filters), Page[CaseOut]

    @staticmethod
    def overdue_cases(**filters: Any):
        return "GET", "/api/v1/cases/overdue", None, _params(**filters), OverdueList

    @staticmethod
    def case_summary(**filters: Any):
        return "GET", "/api/v1/cases/summary", None, _params(**filters), CaseSummaryOut

    @staticmethod
    def step(case_id: int, action: str, data: StepIn | CloseIn):
        return "POST", f"/api/v1/cases/{case_id}/{action}", _body(data), None, CaseOut

    @staticmethod
    def record_visit(data: VisitCreate):
        return "POST", "/api/v1/visits", _body(data), None, VisitOut

    @staticmethod
    def list_visits(**filters: Any):
        return "GET", "/api/v1/visits", None, _params(**filters), Page[VisitOut]

    @staticmethod
    def visit_compliance(**filters: Any):
        return "GET", "/api/v1/visits/compliance", None, _params(**filters), ComplianceOut

    @staticmethod
    def known_enterprise(uscc: str):
        return "GET", f"/api/v1/known-enterprises/{uscc}", None, None, dict


def _step(at: datetime | None, note: str | None) -> StepIn:
    return StepIn(**_params(at=at, note=note))


class _Methods:
    def _call(self, spec):  # implemented by each client
        raise NotImplementedError

    # centres
    def register_centre(self, data: CentreCreate) -> CentreOut:
        return self._call(_Requests.register_centre(data))

    def update_centre(self, centre_id: str, data: CentreUpdate) -> CentreOut:
        return self._call(_Requests.update_centre(centre_id, data))

    def get_centre(self, centre_id: str) -> CentreOut:
        return self._call(_Requests.get_centre(centre_id))

    def list_centres(self, *, city: str | None = None, kind: str | None = None) -> list[CentreOut]:
        return self._call(_Requests.list_centres(city=city, kind=kind))

    # workstations
    def establish_workstation(self, data: WorkstationCreate) -> WorkstationOut:
        return self._call(_Requests.establish_workstation(data))

    def get_workstation(self, ws_id: int) -> WorkstationOut:
        return self._call(_Requests.get_workstation(ws_id))

    def list_workstations(self, *, city: str | None = None, level: str | None = None, year: int | None = None,
                          active: bool | None = None, host_uscc: str | None = None, limit: int = 50,
                          offset: int = 0) -> Page[WorkstationOut]:
        return self._call(_Requests.list_workstations(city=city, level=level, year=year, active=active,
                                                      host_uscc=host_uscc, limit=limit, offset=offset))

    def deregister_workstation(self, ws_id: int, data: DeregisterIn) -> WorkstationOut:
        return self._call(_Requests.deregister_workstation(ws_id, data))

    # cases
    def receive_case(self, data: CaseCreate) -> CaseOut:
        return self._call(_Requests.receive_case(data))

    def get_case(self, case_id: int) -> CaseOut:
        return self._call(_Requests.get_case(case_id))

    def list_cases(self, *, city: str | None = None, centre_id: str | None = None, kind: str | None = None,
                   status: str | None = None, uscc: str | None = None, case_no: str | None = None,
                   year: int | None = None, limit: int = 50, offset: int = 0) -> Page[CaseOut]:
        return self._call(_Requests.list_cases(city=city, centre_id=centre_id, kind=kind, status=status, uscc=uscc,
                                               case_no=case_no, year=year, limit=limit, offset=offset))

    def overdue_cases(self, *, city: str | None = None, centre_id: str | None = None,
                      kind: str | None = None) -> OverdueList:
        return self._call(_Requests.overdue_cases(city=city, centre_id=centre_id, kind=kind))

    def case_summary(self, year: int, *, city: str | None = None, centre_id: str | None = None) -> CaseSummaryOut:
        return self._call(_Requests.case_summary(year=year, city=city, centre_id=centre_id))

    def accept_case(self, case_id: int, at: datetime | None = None, note: str | None = None) -> CaseOut:
        return self._call(_Requests.step(case_id, "accept", _step(at, note)))

    def start_handling(self, case_id: int, at: datetime | None = None, note: str | None = None) -> CaseOut:
        return self._call(_Requests.step(case_id, "start-handling", _step(at, note)))

    def close_case(self, case_id: int, data: CloseIn) -> CaseOut:
        return self._call(_Requests.step(case_id, "close", data))

    # visits
    def record_visit(self, data: VisitCreate) -> VisitOut:
        return self._call(_Requests.record_visit(data))

    def list_visits(self, *, city: str | None = None, centre_id: str | None = None, month: str | None = None,
                    uscc: str | None = None, limit: int = 50, offset: int = 0) -> Page[VisitOut]:
        return self._call(_Requests.list_visits(city=city, centre_id=centre_id, month=month, uscc=uscc, limit=limit,
                                                offset=offset))

    def visit_compliance(self, *, from_month: str | None = None, to_month: str | None = None, city: str | None = None,
                         centre_id: str | None = None) -> ComplianceOut:
        return self._call(_Requests.visit_compliance(from_month=from_month, to_month=to_month, city=city,
                                                     centre_id=centre_id))

    def known_enterprise(self, uscc: str) -> dict:
        """The enterprise as this service knows it (ApiError 404 until its registration arrived)."""
        return self._call(_Requests.known_enterprise(uscc))


class ProtectionClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncProtectionClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
