"""What the rest of the code sees of the customers context: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# ISO 3166-1 alpha-2, the officially assigned codes (the schema's CountryCode enum is built
# from this list, so the two never drift).
COUNTRY_CODES: tuple[str, ...] = tuple(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)
MAX_ADDRESSES = 50  # per customer: bounds Customer.addresses (the cost model's LIST_BOUNDS)


@dataclass(frozen=True, slots=True)
class Address:
    id: int
    customer_id: int
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "zip",
    "country_code",
    "phone",
)


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    accepts_marketing: bool
    default_address_id: int | None
    created_at: datetime
    updated_at: datetime
    addresses: tuple[Address, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    permissions: frozenset[str]
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What a sign-in or renewal hands the client: both raw tokens, once."""

    access_token: str = ""
    access_expires_at: datetime | None = None
    refresh_token: str = ""
    refresh_expires_at: datetime | None = None

    def __repr__(self) -> str:  # never the tokens themselves in a log line or traceback
        return f"IssuedTokens(expires_at={self.access_expires_at!r})"
