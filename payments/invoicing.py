"""Invoices and credit notes: what they say (seller, buyer, lines, tax, totals) and their PDF.

Numbering and storage are in firestore_operations.invoices (gapless per kind and calendar year).
"""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from firestore_operations import invoices as invoice_store
from firestore_operations import payments as payment_store
from payments import money

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
PREFIXES = {INVOICE: "INV", CREDIT_NOTE: "CN"}


def _seller() -> dict:
    return {"name": settings.SELLER_NAME, "address": settings.SELLER_ADDRESS, "tax_id": settings.SELLER_TAX_ID}


def _parties(payment: dict) -> dict:
    return {
        "seller": _seller(),
        "buyer": {
            "uid": payment.get("payer_uid"),
            "name": payment.get("payer_name", ""),
            "email": payment.get("payer_email", ""),
        },
        "student": {"uid": payment.get("student_uid"), "name": payment.get("student_name", "")},
        "party_uids": payment.get("party_uids") or sorted({payment.get("payer_uid"), payment.get("student_uid")}),
        "payment_id": payment["id"],
        "course_id": payment.get("course_id"),
        "currency": payment["currency"],
        "tax_rate_bps": int(payment.get("tax_rate_bps", settings.TAX_RATE_BPS)),
        "tax_inclusive": bool(payment.get("tax_inclusive", settings.TAX_INCLUSIVE)),
    }


def _number(kind: str, year: int, seq: int) -> str:
    return f"{PREFIXES[kind]}-{year}-{seq:06d}"


def issue_invoice(*, payment: dict, collection: str = payment_store.COLLECTION) -> dict | None:
    """The payment's invoice, issued once (a repeat returns the one already issued).

    `collection` holds the payment: course payments, or membership periods.
    """
    year = dt.datetime.now(dt.UTC).year
    invoice_id = f"inv-{payment['id']}-{payment.get('round', 1)}"

    def build(current: dict, seq: int) -> dict | None:
        if current.get("status") not in (payment_store.COMPLETED, payment_store.REFUNDED):
            return None
        total = int(current["amount"])
        tax = int(current.get("tax_amount", 0))
        description = current.get("description") or (
            f"Course: {current.get('course_title', '')} (student: {current.get('student_name', '')})"
        )
        return {
            "kind": INVOICE,
            "number": _number(INVOICE, year, seq),
            "year": year,
            "seq": seq,
            **_parties({**current, "id": payment["id"]}),
            "lines": [{"description": description, "quantity": 1, "unit_amount": total, "amount": total}],
            "net": total - tax,
            "tax": tax,
            "total": total,
        }

    return invoice_store.issue(
        invoice_id=invoice_id,
        prefix=PREFIXES[INVOICE],
        year=year,
        source=(collection, payment["id"]),
        link_field="invoice_id",
        build=build,
    )


def issue_credit_note(*, refund: dict) -> dict | None:
    """The refund's credit note, issued once; also listed on its payment."""
    year = dt.datetime.now(dt.UTC).year
    payment = payment_store.get_payment(refund["payment_id"])
    invoice = invoice_store.get_invoice(payment.get("invoice_id") or "") if payment else None
    note_id = f"cn-{refund['id']}"

    def build(current: dict, seq: int) -> dict | None:
        if current.get("status") != "succeeded" or payment is None:
            return None
        amount = int(current["amount"])
        tax = money.split_tax(amount, rate_bps=int(payment.get("tax_rate_bps", 0)))
        reason = current.get("reason") or "Refund"
        return {
            "kind": CREDIT_NOTE,
            "number": _number(CREDIT_NOTE, year, seq),
            "year": year,
            "seq": seq,
            **_parties(payment),
            "refund_id": refund["id"],
            "related_invoice_id": (invoice or {}).get("id"),
            "related_invoice_number": (invoice or {}).get("number"),
            "lines": [
                {
                    "description": f"Refund for course: {payment.get('course_title', '')}. {reason}",
                    "quantity": 1,
                    "unit_amount": -amount,
                    "amount": -amount,
                }
            ],
            "net": -(amount - tax),
            "tax": -tax,
            "total": -amount,
        }

    note = invoice_store.issue(
        invoice_id=note_id,
        prefix=PREFIXES[CREDIT_NOTE],
        year=year,
        source=(payment_store.REFUNDS, refund["id"]),
        link_field="credit_note_id",
        build=build,
    )
    if note is not None and payment is not None:

        def link(current: dict | None):
            if current is None or note_id in (current.get("credit_note_ids") or []):
                return None
            return payment_store.PaymentChange({"credit_note_ids": [*(current.get("credit_note_ids") or []), note_id]})

        payment_store.change_payment(payment["id"], link)
    return note


# --- PDF ---------------------------------------------------------------------------------------------


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%d %B %Y")
    return ""


def render_pdf(invoice: dict) -> bytes:
    """A one-page A4 PDF with the number, both parties, the lines, the tax and the totals."""

    cur = invoice["currency"]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    title = "Credit note" if invoice.get("kind") == CREDIT_NOTE else "Invoice"
    pdf.setTitle(f"{title} {invoice['number']}")
    height = A4[1]
    y = height - 25 * mm
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(20 * mm, y, f"{title} {invoice['number']}")
    pdf.setFont("Helvetica", 10)
    y -= 8 * mm
    pdf.drawString(20 * mm, y, f"Issued on {_date(invoice.get('issued_at'))}")
    if invoice.get("related_invoice_number"):
        y -= 5 * mm
        pdf.drawString(20 * mm, y, f"Corrects invoice {invoice['related_invoice_number']}")
    y -= 12 * mm
    seller, buyer, student = invoice.get("seller", {}), invoice.get("buyer", {}), invoice.get("student", {})
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(20 * mm, y, "Seller")
    pdf.drawString(110 * mm, y, "Billed to")
    pdf.setFont("Helvetica", 10)
    left = [seller.get("name", ""), seller.get("address", "")] + (
        [f"Tax id: {seller['tax_id']}"] if seller.get("tax_id") else []
    )
    right = [buyer.get("name", ""), buyer.get("email", ""), f"Student: {student.get('name', '')}"]
    for index in range(max(len(left), len(right))):
        y -= 5 * mm
        if index < len(left):
            pdf.drawString(20 * mm, y, left[index])
        if index < len(right):
            pdf.drawString(110 * mm, y, right[index])
    y -= 14 * mm
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(20 * mm, y, "Description")
    pdf.drawString(140 * mm, y, "Qty")
    pdf.drawRightString(190 * mm, y, "Amount")
    pdf.setFont("Helvetica", 10)
    for line in invoice.get("lines", []):
        y -= 6 * mm
        pdf.drawString(20 * mm, y, str(line.get("description", ""))[:80])
        pdf.drawString(140 * mm, y, str(line.get("quantity", 1)))
        pdf.drawRightString(190 * mm, y, money.format_amount(int(line.get("amount", 0)), cur))
    y -= 12 * mm
    rate = int(invoice.get("tax_rate_bps", 0))
    mode = "included" if invoice.get("tax_inclusive", True) else "added"
    for label, value in (
        ("Net", invoice.get("net", 0)),
        (f"Tax {rate / 100:g} % ({mode})", invoice.get("tax", 0)),
        ("Total", invoice.get("total", 0)),
    ):
        pdf.drawString(120 * mm, y, label)
        pdf.drawRightString(190 * mm, y, money.format_amount(int(value), cur))
        y -= 6 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()
