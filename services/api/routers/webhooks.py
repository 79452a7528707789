"""Webhook subscriptions and deliveries. Role rule: admin, and integrators holding the
``webhooks`` scope; an integrator's key sees only the subscriptions it created (others: 404)."""

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from services.api.deps import (
    Idempotent,
    Session,
    check_if_match,
    created,
    require,
    respond,
    respond_page,
)
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from shared.auth import Actor, Role
from shared.config import Settings
from shared.webhook import commands, queries
from shared.webhook import schemas as s
from shared.webhook.models import WebhookSubscription

router = api_router(tags=["webhooks"])

Manager = Annotated[Actor, Depends(require(Role.admin, scope="webhooks"))]
ITEM = "/webhook-subscriptions/{subscription_id}"
# Idempotency records keep responses in clear: never the secret (it is shown once, here).
STORED_SECRET = "whsec_(shown once; POST rotate-secret for a new one)"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _out(subscription: WebhookSubscription, secret: str | None = None) -> s.SubscriptionOut:
    out = s.SubscriptionOut.model_validate(subscription)
    if secret is None:
        return out
    return s.SubscriptionWithSecret(**out.model_dump(), secret=secret)


@router.get("/webhook-subscriptions", response_model=PageOut[s.SubscriptionOut])
async def list_subscriptions(
    session: Session, actor: Manager, limit: Limit = 20, cursor: Cursor = None
) -> JSONResponse:
    page = await queries.page_subscriptions(session, actor, limit=limit, cursor=cursor)
    return respond_page(page, s.SubscriptionOut)


@router.post(
    "/webhook-subscriptions",
    status_code=201,
    response_model=s.SubscriptionWithSecret,
    dependencies=[Idempotent],
    summary="Subscribe a URL; the answer carries the secret, this once",
)
async def create_subscription(
    request: Request, session: Session, actor: Manager, body: s.SubscriptionCreate
) -> JSONResponse:
    settings = _settings(request)
    subscription, secret = await commands.create_subscription(
        session,
        actor,
        body.model_dump(),
        secret_key=settings.secret,
        allow_private=settings.webhook_allow_private_targets,
    )
    remembered = await created(request, session, _out(subscription, STORED_SECRET))
    return respond(_out(subscription, secret), status=201, location=remembered.headers["location"])


@router.get(ITEM, response_model=s.SubscriptionOut)
async def get_subscription(
    session: Session, actor: Manager, subscription_id: uuid.UUID
) -> JSONResponse:
    return respond(_out(await queries.get_subscription(session, actor, subscription_id)))


@router.patch(ITEM, response_model=s.SubscriptionOut)
async def update_subscription(
    request: Request,
    session: Session,
    actor: Manager,
    subscription_id: uuid.UUID,
    body: s.SubscriptionUpdate,
) -> JSONResponse:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    check_if_match(request, subscription.version)
    subscription = await commands.update_subscription(
        session,
        actor,
        subscription,
        body.model_dump(exclude_unset=True),
        allow_private=_settings(request).webhook_allow_private_targets,
    )
    return respond(_out(subscription))


@router.delete(ITEM, status_code=204)
async def delete_subscription(
    request: Request, session: Session, actor: Manager, subscription_id: uuid.UUID
) -> Response:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    check_if_match(request, subscription.version)
    await commands.delete_subscription(session, actor, subscription)
    return Response(status_code=204)


@router.post(
    f"{ITEM}/rotate-secret",
    response_model=s.SubscriptionWithSecret,
    summary="A new secret; the old one keeps signing beside it for 24 h",
)
async def rotate_secret(
    request: Request, session: Session, actor: Manager, subscription_id: uuid.UUID
) -> JSONResponse:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    check_if_match(request, subscription.version)
    subscription, secret = await commands.rotate_secret(
        session, actor, subscription, secret_key=_settings(request).secret
    )
    return respond(_out(subscription, secret))


@router.post(
    f"{ITEM}/test",
    status_code=202,
    response_model=s.DeliveryOut,
    summary="Send a webhook.test event to this subscription now",
)
async def test_subscription(
    session: Session, actor: Manager, subscription_id: uuid.UUID
) -> JSONResponse:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    delivery = await commands.send_test(session, actor, subscription)
    return respond(s.DeliveryOut.model_validate(delivery), status=202)


@router.post(f"{ITEM}/enable", response_model=s.SubscriptionOut)
async def enable_subscription(
    request: Request, session: Session, actor: Manager, subscription_id: uuid.UUID
) -> JSONResponse:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    check_if_match(request, subscription.version)
    subscription = await commands.enable(session, actor, subscription)
    return respond(_out(subscription))


@router.get(f"{ITEM}/deliveries", response_model=PageOut[s.DeliveryOut])
async def list_deliveries(
    session: Session,
    actor: Manager,
    subscription_id: uuid.UUID,
    state: Literal["pending", "succeeded", "failed"] | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.page_deliveries(
        session, actor, subscription_id, state=state, limit=limit, cursor=cursor
    )
    return respond_page(page, s.DeliveryOut)


@router.post(
    f"{ITEM}/recover",
    status_code=202,
    response_model=s.RecoverOut,
    summary="Redeliver every failed delivery since a time, oldest first",
)
async def recover(
    session: Session, actor: Manager, subscription_id: uuid.UUID, body: s.RecoverInput
) -> JSONResponse:
    subscription = await queries.get_subscription(session, actor, subscription_id)
    count = await commands.recover(session, actor, subscription, body.since)
    return respond(s.RecoverOut(redelivered=count), status=202)


@router.get("/webhook-deliveries/{delivery_id}", response_model=s.DeliveryDetail)
async def get_delivery(session: Session, actor: Manager, delivery_id: uuid.UUID) -> JSONResponse:
    delivery = await queries.get_delivery(session, actor, delivery_id)
    attempts = await queries.attempts_of(session, delivery.id)
    out = s.DeliveryOut.model_validate(delivery).model_dump()
    return respond(
        s.DeliveryDetail(**out, attempts_log=[s.AttemptOut.model_validate(a) for a in attempts])
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=s.DeliveryOut,
    summary="Send this delivery again now (same webhook-id, same body)",
)
async def redeliver(session: Session, actor: Manager, delivery_id: uuid.UUID) -> JSONResponse:
    delivery = await queries.get_delivery(session, actor, delivery_id)
    delivery = await commands.redeliver(session, actor, delivery)
    return respond(s.DeliveryOut.model_validate(delivery), status=202)
