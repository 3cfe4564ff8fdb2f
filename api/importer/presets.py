"""Ready-made mappings for known data sets (`kept import FILE --preset NAME`).

Options given on the command line add to a preset or replace its entries.
"""

from __future__ import annotations

from api.domain.import_mapping import ImportMapping

OLIST_ZONE = "America/Sao_Paulo"

# The Olist orders table (olist_orders_dataset.csv). The estimated delivery date is a calendar
# date written as `YYYY-MM-DD 00:00:00`: a day-precision promise in São Paulo. Timestamps are
# local time there. `unavailable` orders could not be supplied: the business cancelled them
# (broken). Olist does not say who cancelled a `canceled` order; Kept counts it as the
# customer's (void, outside every rate) rather than blame the business for every change of
# mind. The file gives no cancellation time, so cancellations are dated at the purchase.
OLIST = ImportMapping(
    columns={
        "external_id": "order_id",
        "order_id": "order_id",
        "customer_id": "customer_id",
        "made_at": "order_purchase_timestamp",
        "due_at": "order_estimated_delivery_date",
        "fulfilled_at": "order_delivered_customer_date",
        "status": "order_status",
    },
    zone=OLIST_ZONE,
    labels={"order_status": "order_status"},
    values={"kind": "delivery"},
    cancelled_statuses={"canceled": "customer", "unavailable": "business"},
    date_fields=frozenset({"due_at"}),
)

PRESETS: dict[str, ImportMapping] = {"olist": OLIST}
