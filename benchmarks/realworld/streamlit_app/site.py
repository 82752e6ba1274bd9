"""A small Streamlit order desk (run by Streamlit from PyPI, not imported by gui-agent).

Its widgets are Streamlit's own: a BaseWeb select box (a dropdown built from divs), number
and text inputs, a form; its section menu is streamlit-option-menu, a component drawn inside
an iframe; the app header is fixed at the top. What is submitted goes into an SQLite file
(``GUI_AGENT_STREAMLIT_DB``) that the corpus reads afterwards.
"""

import os
import sqlite3

import streamlit as st
from streamlit_option_menu import option_menu

DB = os.environ["GUI_AGENT_STREAMLIT_DB"]
PRODUCTS = ["Anchor bolt", "Bracket", "Cable clamp", "Dowel pin", "Eye hook", "Fender washer"]


def save(sql: str, *args: object) -> None:
    with sqlite3.connect(DB) as db:
        db.execute(sql, args)


st.set_page_config(page_title="Order desk")
st.title("Order desk")
section = option_menu(
    "Section", ["Orders", "Settings"], icons=["cart", "gear"], orientation="horizontal"
)

if section == "Orders":
    with st.form("order"):
        customer = st.text_input("Customer")
        product = st.selectbox("Product", PRODUCTS, index=None, placeholder="Pick a product")
        quantity = st.number_input("Quantity", min_value=1, max_value=500, value=1)
        st.markdown("#### Delivery")
        street = st.text_input("Street")
        city = st.text_input("City")
        when = st.selectbox("Delivery window", ["Morning", "Afternoon", "Evening"])
        st.markdown("#### Notes")
        st.caption("Anything the warehouse should know: loading bay, a contact on site.")
        notes = st.text_area("Notes for the warehouse")
        placed = st.form_submit_button("Place order")
    if placed:
        if not customer or product is None:
            st.error("An order needs a customer and a product.")
        else:
            save(
                "INSERT INTO orders (customer, product, quantity, city, slot, notes) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                customer,
                product,
                int(quantity),
                city,
                when,
                notes,
            )
            st.success(f"Order placed for {customer}: {int(quantity)} x {product}.")
else:
    units = st.radio("Units", ["Metric", "Imperial"])
    currency = st.selectbox("Currency", ["EUR", "GBP", "USD", "JPY"])
    if st.button("Save settings"):
        save("INSERT INTO settings (units, currency) VALUES (?, ?)", units, currency)
        st.success("Settings saved.")
