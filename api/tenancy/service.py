"""Tenants and API keys: the use cases behind `kept tenants` and `kept keys`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from api.audit import service as audit
from api.db import writing
from api.ids import new_id
from api.models import ApiKey, Tenant
from api.tenancy.keys import Scope, display_prefix, generate_key, hash_key

DEFAULT_TENANT = "default"


class TenancyError(ValueError):
    """A tenant or key request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class IssuedKey:
    key: str
    record: ApiKey
    tenant: Tenant


def _check_zone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TenancyError(f"unknown IANA time zone {timezone!r}") from error


def create_tenant(session: Session, name: str, timezone: str, now: datetime) -> Tenant:
    _check_zone(timezone)
    if not name.strip():
        raise TenancyError("a tenant needs a name")
    with writing(session):
        if session.exec(select(Tenant).where(Tenant.name == name)).first():
            raise TenancyError(f"tenant {name!r} already exists")
        tenant = Tenant(id=new_id("ten"), name=name, timezone=timezone, created_at=now)
        session.add(tenant)
        session.commit()
    return tenant


def get_tenant(session: Session, name: str) -> Tenant:
    tenant = session.exec(select(Tenant).where(Tenant.name == name)).first()
    if tenant is None:
        raise TenancyError(f"no tenant named {name!r}")
    return tenant


def create_key(
    session: Session, tenant_name: str, scopes: frozenset[Scope], now: datetime,
    actor: str = "cli",
) -> IssuedKey:
    with writing(session):
        tenant = get_tenant(session, tenant_name)
        issued = _add_key(session, tenant, scopes, now)
        audit.record(session, tenant.id, actor, "api_key.created", issued.record.prefix, now,
                     scopes=sorted(scopes))
        session.commit()
    return issued


def _add_key(
    session: Session, tenant: Tenant, scopes: frozenset[Scope], now: datetime
) -> IssuedKey:
    key = generate_key()
    record = ApiKey(
        tenant_id=tenant.id,
        id=new_id("key"),
        prefix=display_prefix(key),
        key_hash=hash_key(key),
        scopes=",".join(sorted(scopes)),
        created_at=now,
    )
    session.add(record)
    return IssuedKey(key=key, record=record, tenant=tenant)


def list_keys(session: Session) -> list[tuple[ApiKey, Tenant]]:
    rows = session.exec(
        select(ApiKey, Tenant)
        .join(Tenant, col(Tenant.id) == col(ApiKey.tenant_id))
        .order_by(col(ApiKey.id))
    )
    return list(rows.all())


def revoke_key(session: Session, prefix: str, now: datetime, actor: str = "cli") -> ApiKey:
    with writing(session):
        matches = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).all()
        if not matches:
            raise TenancyError(f"no key with prefix {prefix!r}")
        if len(matches) > 1:
            raise TenancyError(f"prefix {prefix!r} names several keys; give the tenant's own")
        record = matches[0]
        if record.revoked_at is None:
            record.revoked_at = now
            session.add(record)
            audit.record(session, record.tenant_id, actor, "api_key.revoked", record.prefix, now)
            session.commit()
    return record


def bootstrap(session: Session, timezone: str, now: datetime) -> IssuedKey | None:
    """On a database with no API keys, create tenant `default` and an admin key for it."""
    with writing(session):
        if session.exec(select(ApiKey.id).limit(1)).first() is not None:
            return None
        tenant = session.exec(select(Tenant).where(Tenant.name == DEFAULT_TENANT)).first()
        if tenant is None:
            tenant = Tenant(id=new_id("ten"), name=DEFAULT_TENANT, timezone=timezone,
                            created_at=now)
            session.add(tenant)
            session.flush()  # the key refers to the tenant
        issued = _add_key(session, tenant, frozenset({Scope.ADMIN}), now)
        audit.record(session, tenant.id, "kept serve", "api_key.created", issued.record.prefix,
                     now, scopes=[Scope.ADMIN.value], bootstrap=True)
        session.commit()
    return issued
