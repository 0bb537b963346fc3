"""The symbol universe of the simulated market: real base assets, real reference prices, liquidity tiers.

The table lists 343 USDT-margined perpetuals with their mark price and funding interval as Binance
published them on 2024-11-27 13:54 UTC (GET /fapi/v1/premiumIndex; an interest rate of 0.005 %
marks a 4 h symbol). Tiers are ours: 1 = BTC and ETH, 2 = the large caps, 3 = well-known mid caps,
4 = the long tail; the order within tiers 1-3 is a rough ranking by liquidity, tier 4 is
alphabetical. `build_universe(n)` takes the first n, so a small universe keeps the majors.

Liquidity and volatility are modelled from the rank and tier (rank-size law for volume, tiered daily
volatility), with a fixed per-symbol factor so neighbours differ; they do not depend on the seed,
so the same symbol looks the same in every simulated market.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nexus_tui.core.errors import BadInput
from nexus_tui.venues.sim.rng import unit_hash

# base, reference price (USDT), tier, Binance funding interval in hours
_TABLE = """
    BTC,93951.8,1,8  ETH,3485.51,1,8  SOL,237.072,2,8  XRP,1.43063,2,8  DOGE,0.393654,2,8
    BNB,624.872,2,8  ADA,0.998086,2,8  AVAX,42.888,2,8  LINK,17.8954,2,8  TRX,0.201308,2,8
    DOT,8.326,2,8  TON,6.2482,2,4  SUI,3.37996,2,8  LTC,95.799,2,8  BCH,516.252,2,8
    1000PEPE,0.0183524,2,8  NEAR,6.693,2,8  APT,12.1998,2,8  WIF,3.05602,2,4  UNI,12.4905,2,8
    ARB,0.9195,3,8  OP,2.2949,3,8  INJ,29.125,3,8  FIL,5.50359,3,8  ETC,29.677,3,8  ATOM,8.15453,3,8
    HBAR,0.13862,3,8  ICP,11.4194,3,8  STX,2.1551,3,8  RENDER,7.52657,3,4  FET,1.4401,3,8
    TIA,8.2811,3,4  SEI,0.6689,3,8  WLD,2.3827,3,8  TAO,573.013,3,4  AAVE,193.148,3,8  MKR,1785.8,3,8
    LDO,1.71827,3,8  ENA,0.649106,3,4  ONDO,1.0366,3,4  JUP,1.0549,3,4  PYTH,0.4328,3,4  ORDI,38.2,3,4
    1000BONK,0.0420302,3,4  1000SHIB,0.024954,3,8  1000FLOKI,0.21828,3,8  POPCAT,1.23898,3,4
    PNUT,1.0875,3,4  GOAT,0.835931,3,4  MOODENG,0.332681,3,4  NEIRO,0.00168484,3,4  EIGEN,3.48902,3,4
    ZRO,4.5643,3,4  STRK,0.5954,3,4  ZK,0.16541,3,4  IMX,1.699,3,4  GALA,0.0365191,3,8
    SAND,0.61395,3,8  MANA,0.59444,3,8  AXS,7.50879,3,8  APE,1.26922,3,8  CRV,0.481969,3,8
    DYDX,1.532,3,8  GMX,32.369,3,8  PENDLE,5.38855,3,8  RUNE,5.493,3,8  KAS,0.14877,3,4
    XLM,0.501324,3,8  XMR,159.57,3,8  ALGO,0.3076,3,8  VET,0.042369,3,8  EOS,0.804217,3,8
    EGLD,36.7409,3,8  THETA,1.9844,3,8  FTM,1.0384,3,8  POL,0.55919,3,4  ARKM,2.10638,3,8
    JTO,3.55416,3,4  W,0.2784,3,4  ETHFI,2.27835,3,4  BOME,0.008677,3,4  GRT,0.24579,3,8
    SNX,2.434,3,8  COMP,68.5189,3,8  ENS,25.4824,3,8  LPT,13.078,3,4  CAKE,2.9178,3,4  CHZ,0.09114,3,8
    FLOW,0.88,3,8  KAVA,0.531687,3,8  ZEC,57.6964,3,8  DASH,36.1297,3,8  NEO,14.375,3,8  QNT,95.15,3,8
    RAY,5.55379,3,8  JASMY,0.024421,3,8  1000SATS,0.0002411,3,4  NOT,0.008252,3,4  CHILLGUY,0.5571,3,8
    BRETT,0.165879,3,4  TURBO,0.00695443,3,4  AR,20.127,3,8  1INCH,0.396,3,8  SUSHI,1.12499,3,8
    YFI,7330,3,8  BLUR,0.30801,3,8  MASK,3.49669,3,8  1000000MOG,2.4304,4,4  1000CAT,0.04078,4,4
    1000CHEEMS,0.00069862,4,4  1000LUNC,0.11709,4,8  1000RATS,0.0952575,4,4  1000WHY,0.00019866,4,4
    1000X,0.19225,4,4  1000XEC,0.0468,4,8  1MBABYDOGE,0.002337,4,4  ACE,2.7282,4,4  ACH,0.0272086,4,8
    ACT,0.428539,4,4  AERGO,0.139,4,4  AEVO,0.4457,4,4  AGIX,0.4962,4,8  AGLD,1.335,4,8
    AI,0.57658,4,4  AKT,4.04673,4,4  ALICE,1.412,4,8  ALPACA,0.18965,4,4  ALPHA,0.09308,4,8
    ALT,0.133008,4,4  AMB,0.00757399,4,4  ANKR,0.04208,4,8  API3,1.9942,4,4  ARK,0.677825,4,8
    ARPA,0.0561,4,8  ASTR,0.07894,4,8  ATA,0.1089,4,8  AUCTION,15.944,4,4  AXL,0.8226,4,4
    BADGER,3.598,4,4  BAKE,0.31,4,8  BAL,2.71231,4,8  BAN,0.1285,4,4  BANANA,69.0614,4,4
    BAND,1.6152,4,8  BAT,0.2898,4,8  BB,0.3794,4,4  BEAMX,0.023082,4,4  BEL,0.6573,4,8
    BICO,0.344785,4,8  BIGTIME,0.148546,4,4  BLZ,0.137818,4,4  BNT,0.71507,4,8  BNX,0.5608,4,8
    BOND,1.522,4,4  BSV,67.18,4,4  BSW,0.07441,4,4  BTCST,0.919112,4,8  C98,0.174594,4,8
    CATI,0.5684,4,4  CELO,0.849,4,8  CELR,0.01933,4,8  CETUS,0.33541,4,4  CFX,0.18121,4,8
    CHESS,0.1925,4,4  CHR,0.2503,4,8  CKB,0.014693,4,8  COMBO,0.4739,4,8  COS,0.0122276,4,4
    COTI,0.13413,4,8  COW,0.415591,4,4  CTK,0.847417,4,8  CTSI,0.1883,4,8  CVC,0.164739,4,8
    CVX,3.04678,4,8  CYBER,4.209,4,4  DAR,0.178483,4,8  DEGEN,0.0200301,4,4  DENT,0.001343,4,8
    DGB,0.0107702,4,8  DIA,0.806329,4,4  DODOX,0.149846,4,4  DOGS,0.0006931,4,4  DRIFT,1.2773,4,4
    DUSK,0.230513,4,8  DYM,2.1931,4,4  EDU,0.6039,4,8  ENJ,0.270958,4,8  ETHW,3.6379,4,4
    FIDA,0.245127,4,4  FIO,0.0370125,4,4  FLM,0.0765,4,4  FLUX,0.705,4,4  FRONT,0.450006,4,8
    FTT,2.2973,4,8  FXS,3.10851,4,8  G,0.03524,4,4  GAS,5.66458,4,4  GHST,1.0684,4,4  GLM,0.477938,4,4
    GLMR,0.277563,4,8  GMT,0.201091,4,8  GRASS,3.1492,4,4  GTC,0.898167,4,8  HFT,0.22203,4,8
    HIFI,0.694413,4,4  HIGH,1.6673,4,8  HIPPO,0.0153021,4,4  HMSTR,0.00375174,4,4  HOOK,0.4988,4,8
    HOT,0.002928,4,8  ICX,0.2091,4,8  ID,0.53525,4,8  IDEX,0.0445783,4,8  ILV,53.56,4,4  IO,2.596,4,4
    IOST,0.00767364,4,8  IOTA,0.2233,4,8  IOTX,0.04423,4,8  JOE,0.52577,4,8  KDA,1.01029,4,4
    KEY,0.0023648,4,8  KLAY,0.15211,4,8  KNC,0.645273,4,8  KSM,36.7549,4,8  LEVER,0.0022674,4,8
    LINA,0.0055168,4,8  LISTA,0.489604,4,4  LIT,0.890561,4,8  LOKA,0.2308,4,4  LOOM,0.0779564,4,4
    LQTY,1.45592,4,8  LRC,0.22158,4,8  LSK,1.1966,4,4  LUNA2,0.4774,4,8  MAGIC,0.5266,4,8
    MANTA,1.03513,4,4  MATIC,0.561007,4,8  MAV,0.23211,4,8  MAVIA,1.9768,4,4  MBOX,0.2284,4,4
    MDT,0.0544207,4,8  MEME,0.0135102,4,4  METIS,55.7838,4,4  MEW,0.009397,4,4  MINA,0.7676,4,8
    MORPHO,1.35497,4,8  MOVR,16.372,4,4  MTL,1.4275,4,8  MYRO,0.105,4,4  NEIROETH,0.0732238,4,4
    NFP,0.2909,4,4  NKN,0.108658,4,8  NMR,18.951,4,4  NTRN,0.5387,4,4  NULS,0.3679,4,4
    OCEAN,0.607,4,8  OGN,0.1226,4,8  OM,3.54267,4,4  OMG,0.392,4,8  OMNI,10.023,4,4  ONE,0.02395,4,8
    ONG,0.40747,4,4  ONT,0.267231,4,8  ORBS,0.035226,4,4  OXT,0.10504,4,8  PEOPLE,0.0604,4,8
    PERP,0.8662,4,4  PHB,2.04144,4,8  PIXEL,0.2233,4,4  POLYX,0.37124,4,4  PONKE,0.528517,4,4
    PORTAL,0.376225,4,4  POWR,0.3266,4,4  QTUM,3.57722,4,8  QUICK,0.04832,4,4  RAD,1.41247,4,8
    RARE,0.13191,4,4  RDNT,0.0731453,4,8  REEF,0.001667,4,4  REI,0.06519,4,4  REN,0.0395854,4,8
    REZ,0.0518068,4,4  RIF,0.13529,4,4  RLC,2.1864,4,8  RONIN,1.7635,4,4  ROSE,0.09436,4,8
    RPL,13.907,4,4  RSR,0.00846731,4,8  RVN,0.0242494,4,8  SAFE,1.105,4,4  SAGA,2.1676,4,4
    SANTOS,4.238,4,4  SC,0.006959,4,8  SCR,0.7783,4,4  SCRT,0.584889,4,4  SFP,0.7161,4,8
    SKL,0.06856,4,8  SLERF,0.2652,4,4  SLP,0.00352613,4,4  SNT,0.0424831,4,4  SPELL,0.00082781,4,8
    SSV,26.3831,4,8  STEEM,0.25404,4,4  STG,0.3666,4,8  STMX,0.00773013,4,4  STORJ,0.6032,4,8
    STPT,0.0558148,4,4  STRAX,0.0714389,4,4  SUN,0.021645,4,4  SUPER,1.2755,4,4  SWELL,0.0349722,4,4
    SXP,0.3883,4,8  SYN,0.552,4,4  SYS,0.12715,4,4  T,0.0328674,4,8  THE,2.5951,4,4  TLM,0.013947,4,8
    TNSR,0.5465,4,4  TOKEN,0.0539764,4,4  TRB,70.536,4,4  TROY,0.004299,4,4  TRU,0.11045,4,8
    TWT,1.0786,4,4  UMA,2.92862,4,4  UNFI,0.71931,4,4  USTC,0.024149,4,4  UXLINK,0.5563,4,4
    VANRY,0.13477,4,4  VIDT,0.0367523,4,4  VOXEL,0.1934,4,4  WAVES,1.66692,4,8  WAXP,0.0519939,4,4
    WOO,0.26108,4,8  XAI,0.3068,4,4  XEM,0.027563,4,8  XTZ,1.28689,4,8  XVG,0.00668508,4,8
    XVS,9.168,4,8  YGG,0.6034,4,4  ZEN,14.7668,4,8  ZETA,0.782293,4,4  ZIL,0.02491,4,8
    ZRX,0.543569,4,8
"""

# Daily volatility of log price by tier (BTC ~2.8 %, long-tail alts ~7 %), beta to BTC, and the
# scale applied to a symbol's own funding premium (alts deviate more from the market than BTC).
DAILY_VOL_BY_TIER = (0.03, 0.045, 0.055, 0.07)
BETA_BY_TIER = (1.0, 1.1, 1.2, 1.3)
FUNDING_SCALE_BY_TIER = (1.0, 1.3, 1.7, 2.3)
# Binance 24 h USD volume: BTC, ETH, then a rank-size law from rank 2 down.
_BTC_VOLUME_USD = 15e9
_ETH_VOLUME_USD = 8e9
_RANK2_VOLUME_USD = 2.0e9
_RANK_EXPONENT = 0.95


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    base: str
    rank: int  # 0 = BTC
    tier: int  # 1..4
    reference_price: float
    binance_interval_hours: int  # 4 or 8, as Binance had it
    daily_vol: float
    beta: float  # daily return = beta * BTC return + own noise
    funding_scale: float
    volume_24h_usd: float  # on Binance; other venues scale it by their volume share

    @property
    def tier_index(self) -> int:
        return self.tier - 1


def _parse_table() -> list[tuple[str, float, int, int]]:
    rows: list[tuple[str, float, int, int]] = []
    for item in _TABLE.split():
        base, price, tier, interval = item.split(",")
        rows.append((base, float(price), int(tier), int(interval)))
    return rows


_ROWS = _parse_table()
MAX_SYMBOLS = len(_ROWS)


def _volume(rank: int, base: str) -> float:
    if rank == 0:
        return _BTC_VOLUME_USD
    if rank == 1:
        return _ETH_VOLUME_USD
    jitter = 0.6 + unit_hash("volume", base)  # 0.6 .. 1.6, fixed per symbol
    return _RANK2_VOLUME_USD * (rank - 1) ** -_RANK_EXPONENT * jitter


def _spec(rank: int, base: str, price: float, tier: int, interval: int) -> SymbolSpec:
    vol = DAILY_VOL_BY_TIER[tier - 1] * (0.8 + 0.5 * unit_hash("vol", base))
    if base == "BTC":
        vol = 0.028
    return SymbolSpec(
        base=base,
        rank=rank,
        tier=tier,
        reference_price=price,
        binance_interval_hours=interval,
        daily_vol=vol,
        beta=0.0 if base == "BTC" else BETA_BY_TIER[tier - 1] * (0.85 + 0.3 * unit_hash("beta", base)),
        # BTC and ETH are what the funding model was calibrated on: exactly 1
        funding_scale=1.0
        if tier == 1
        else FUNDING_SCALE_BY_TIER[tier - 1] * (0.8 + 0.4 * unit_hash("fscale", base)),
        volume_24h_usd=_volume(rank, base),
    )


def build_universe(n_symbols: int = 240) -> tuple[SymbolSpec, ...]:
    """The first `n_symbols` of the table (2 <= n <= MAX_SYMBOLS)."""
    if not 2 <= n_symbols <= MAX_SYMBOLS:
        raise BadInput(f"the simulated market has 2 to {MAX_SYMBOLS} symbols, not {n_symbols}")
    return tuple(_spec(rank, *row) for rank, row in enumerate(_ROWS[:n_symbols]))


def price_decimals(price: float, sig_figs: int) -> int:
    """Decimals of the tick that gives `sig_figs` significant figures at `price` (never negative)."""
    return max(0, sig_figs - 1 - math.floor(math.log10(price)))


def amount_decimals(price: float, lot_usd: float) -> int:
    """Decimals of the amount step: the power of ten nearest below lot_usd / price (may be negative)."""
    return -math.floor(math.log10(lot_usd / price))
