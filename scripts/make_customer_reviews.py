"""Generate ``sample_data/customer_reviews.csv``: a SYNTHETIC table of e-commerce product reviews.

No real reviews table may be shipped with tabgan (the MovieLens ratings in ../shared/datasets
forbid redistribution), so the retail example table is made up by this script. Nothing in it
describes real people, products or reviews.

Usage (from the repository root)::

    python scripts/make_customer_reviews.py                 # writes sample_data/customer_reviews.csv
    python scripts/make_customer_reviews.py --rows 20000 --seed 7 -o /tmp/reviews.csv

The output is a pure function of ``--rows`` and ``--seed``: every random draw comes from one
``numpy.random.default_rng(seed)`` in a fixed order (no global RNG), so running the script twice
gives byte-identical files.

How the table is built (all vectorised, one draw per column):

1. A catalogue of ``N_PRODUCTS`` products. Each product gets a category, a base price drawn
   log-normally around its category's median, and a hidden quality score (normal, plus a few
   "lemons" with much lower quality).
2. Each review picks a product with Zipf-like popularity (weight
   ``1 / (rank + ZIPF_OFFSET) ** ZIPF_EXPONENT``, ranks shuffled over product ids), so a few
   products have hundreds of reviews and many have only a handful.
3. ``price`` is the product's base price with a small per-sale jitter (discounts, sellers).
4. ``customer_age`` is 18 + a gamma draw whose mean depends on the category (beauty and clothing
   buyers are younger, books and home older), capped at 85; about 5% are missing.
5. ``customer_preference`` (price / quality / brand / eco / fast-delivery) is drawn from a
   multinomial logit: expensive items (relative to their category) attract quality and brand
   shoppers, cheap ones price shoppers; grocery/beauty/home lean eco, electronics/toys lean
   fast-delivery; younger customers lean eco and fast-delivery.
6. ``verified_purchase`` is true for about 87% of reviews.
7. ``rating`` (1-5) follows an ordered logit on a latent satisfaction score: product quality,
   plus a mismatch term (price shoppers dislike expensive items, quality shoppers punish poor
   products harder, fast-delivery shoppers are a little harsher, brand shoppers a little kinder);
   unverified reviews are more extreme. The marginal is J-shaped: mostly 4-5, some 1s.
8. ``review_date`` lies in 2022-01-01..2024-12-31, with growth over time and a November/December
   peak. Rows are sorted by date and ``review_id`` numbers them in that order ("R000001", ...).
9. ``helpful_votes`` is zero-inflated negative binomial: most reviews get none; low ratings,
   older reviews and verified purchases collect more.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_ROWS = 5000
DEFAULT_SEED = 20240601
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "sample_data" / "customer_reviews.csv"

N_PRODUCTS = 300
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 3.0  # Zipf-Mandelbrot offset: keeps the top product near 5% of reviews
LEMON_SHARE = 0.08  # share of products with clearly poor quality
NULL_AGE_SHARE = 0.05
VERIFIED_SHARE = 0.87
FIRST_DAY = pd.Timestamp("2022-01-01")
LAST_DAY = pd.Timestamp("2024-12-31")

# category: (share of products, median price, log-sd of price, mean customer age)
CATEGORIES = {
    "electronics": (0.16, 120.0, 0.9, 36.0),
    "books": (0.18, 15.0, 0.4, 46.0),
    "home": (0.15, 45.0, 0.7, 45.0),
    "beauty": (0.12, 22.0, 0.5, 33.0),
    "toys": (0.10, 28.0, 0.6, 39.0),
    "grocery": (0.12, 9.0, 0.5, 43.0),
    "sports": (0.09, 55.0, 0.7, 35.0),
    "clothing": (0.08, 35.0, 0.5, 32.0),
}
PREFERENCES = ("price", "quality", "brand", "eco", "fast-delivery")
# Ordered-logit cut points between ratings 1|2, 2|3, 3|4, 4|5 (on the latent scale).
RATING_CUTS = np.array([-2.5, -1.9, -1.2, -0.2])


def _product_catalogue(rng: np.random.Generator) -> pd.DataFrame:
    names = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][0] for c in names])
    category = rng.choice(len(names), size=N_PRODUCTS, p=shares / shares.sum())
    median = np.array([CATEGORIES[c][1] for c in names])[category]
    sigma = np.array([CATEGORIES[c][2] for c in names])[category]
    price_z = rng.standard_normal(N_PRODUCTS)  # price position within the category
    base_price = median * np.exp(sigma * price_z)
    quality = rng.normal(0.0, 0.6, N_PRODUCTS) - 1.8 * (rng.random(N_PRODUCTS) < LEMON_SHARE)
    ranks = rng.permutation(N_PRODUCTS) + 1
    popularity = 1.0 / (ranks + ZIPF_OFFSET) ** ZIPF_EXPONENT
    return pd.DataFrame(
        {
            "product_id": [f"P{i:04d}" for i in range(1, N_PRODUCTS + 1)],
            "category_code": category,
            "base_price": base_price,
            "price_z": price_z,
            "quality": quality,
            "popularity": popularity / popularity.sum(),
        }
    )


def _draw_categorical(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One draw per row from softmax(logits) (rows x options), by inverse CDF."""
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(logits))[:, None]
    return np.minimum((u > cdf).sum(axis=1), logits.shape[1] - 1)


def make_reviews(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Return the synthetic reviews table (``rows`` rows, 10 columns) for ``seed``."""
    rng = np.random.default_rng(seed)
    names = list(CATEGORIES)
    products = _product_catalogue(rng)

    # which product each review is about (Zipf-like popularity)
    product = rng.choice(N_PRODUCTS, size=rows, p=products["popularity"].to_numpy())
    cat_code = products["category_code"].to_numpy()[product]
    category = np.array(names)[cat_code]
    price_z = products["price_z"].to_numpy()[product]
    quality = products["quality"].to_numpy()[product]

    # price: the product's list price with a small per-sale jitter
    price = products["base_price"].to_numpy()[product] * np.exp(rng.normal(0.0, 0.06, rows))
    price = np.round(np.maximum(price, 0.99), 2)

    # customer age: 18 + gamma with a category-dependent mean, capped at 85, ~5% missing
    mean_age = np.array([CATEGORIES[c][3] for c in names])[cat_code]
    age = np.minimum(np.round(18.0 + rng.gamma(3.0, (mean_age - 18.0) / 3.0)), 85.0)
    age_missing = rng.random(rows) < NULL_AGE_SHARE
    age_c = (age - 40.0) / 15.0

    # customer preference: multinomial logit on relative price, category and age
    is_cat = {c: (category == c).astype(float) for c in names}
    logits = np.column_stack(
        [
            0.4 - 0.9 * price_z,  # price
            0.2 + 0.5 * price_z + 0.3 * is_cat["electronics"],  # quality
            -0.4 + 0.7 * price_z + 0.5 * (is_cat["beauty"] + is_cat["clothing"]),  # brand
            -0.8 + 1.1 * (is_cat["grocery"] + is_cat["beauty"]) + 0.5 * is_cat["home"] - 0.4 * age_c,  # eco
            -0.2 + 0.7 * (is_cat["electronics"] + is_cat["toys"]) - 0.3 * age_c,  # fast-delivery
        ]
    )
    pref = _draw_categorical(rng, logits)
    preference = np.array(PREFERENCES)[pref]

    verified = rng.random(rows) < VERIFIED_SHARE

    # rating: ordered logit on latent satisfaction
    latent = (
        quality
        - 0.6 * price_z * (pref == 0)  # price shoppers dislike paying more
        + 0.6 * np.minimum(quality, 0.0) * (pref == 1)  # quality shoppers punish poor products
        + 0.3 * (pref == 2)  # brand shoppers are kinder
        - 0.35 * (pref == 4)  # late deliveries
    )
    latent = np.where(verified, latent, 1.4 * latent - 0.2)  # unverified reviews are more extreme
    below = 1.0 / (1.0 + np.exp(-(RATING_CUTS[None, :] - latent[:, None])))  # P(rating <= k)
    rating = 1 + (rng.random(rows)[:, None] > below).sum(axis=1)

    # review date: growth over the three years and a November/December peak
    days = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    t = np.arange(len(days)) / len(days)
    weight = (1.0 + 0.8 * t) * np.where(days.month.isin([11, 12]), 1.6, 1.0)
    day = rng.choice(len(days), size=rows, p=weight / weight.sum())
    review_date = days[day]

    # helpful votes: zero-inflated negative binomial
    years_live = (LAST_DAY - review_date).days.to_numpy() / 365.25 + 0.05
    mu = 2.0 * np.sqrt(years_live) * np.where(rating <= 2, 2.5, np.where(rating == 3, 1.3, 1.0))
    mu = mu * np.where(verified, 1.2, 0.7)
    p_zero = np.where(rating >= 4, 0.65, 0.4)
    dispersion = 0.9
    counts = rng.negative_binomial(dispersion, dispersion / (dispersion + mu))
    helpful = np.where(rng.random(rows) < p_zero, 0, counts)

    table = pd.DataFrame(
        {
            "product_id": products["product_id"].to_numpy()[product],
            "category": category,
            "price": price,
            "rating": rating.astype(np.int64),
            "customer_preference": preference,
            "verified_purchase": np.where(verified, "true", "false"),
            "helpful_votes": helpful.astype(np.int64),
            "customer_age": pd.array(np.where(age_missing, np.nan, age), dtype="Int64"),
            "review_date": review_date.strftime("%Y-%m-%d"),
        }
    )
    table = table.iloc[np.argsort(day, kind="stable")].reset_index(drop=True)
    table.insert(0, "review_id", [f"R{i:06d}" for i in range(1, rows + 1)])
    return table


def write_reviews(table: pd.DataFrame, path: Path) -> None:
    """Write the table as CSV (empty cells for missing ages, two decimals for prices)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, index=False, float_format="%.2f", lineterminator="\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"rows to generate (default {DEFAULT_ROWS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="CSV file to write")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    table = make_reviews(args.rows, args.seed)
    write_reviews(table, args.output)
    print(f"wrote {args.output}: {len(table):,} rows x {table.shape[1]} columns (synthetic, seed {args.seed})")


if __name__ == "__main__":
    main()
