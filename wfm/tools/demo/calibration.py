"""Calibration of the demo centre: numbers fitted on real contact-centre data, kept as constants.

Source: the "Anonymous Bank" call-centre data of 1999 (Technion Service Enterprise Engineering lab;
Guedj & Mandelbaum; used in Brown et al., JASA 2005), which lives beside the project in
`../shared/data/anonymous_bank/`. `bench/calibrate_demo.py` derives every number below from it and
prints them; they are copied here so the generator runs without the data. Rerun the script and
update this file together.

From `anonymous_bank_1999_30min.csv` (calls per 30 minutes, all of 1999). "Ordinary" days are days
that are not Israeli public holidays (the `holidays` package, country IL) and carry at least 70 % of
their weekday's median volume (this drops holiday eves and a few disturbed days): 337 of 365 days.
- `DAILY_FACTOR`: mean volume per ordinary day of each weekday, relative to the mean of the five
  full weekdays.
- `INTRADAY_SHARE`: each weekday's share of the day's calls in each 30-minute slot (00:00 .. 23:30
  local), summed over that weekday's ordinary days.
- `MONTHLY_FACTOR`: median volume of the ordinary full weekdays of each month, relative to the mean
  of the twelve medians (the median resists the strikes and outages of a real year).
- `HOLIDAY_FACTOR`: mean volume on the five public holidays that fell on full weekdays (Pesach,
  seventh day of Pesach, Independence Day, Rosh Hashanah, Yom Kippur), relative to that weekday's
  median. The bank was closed or nearly so; the demo centre takes 15 % of a normal day's contacts.
- `WEEK_NOISE_LOG_SD`, `DAY_NOISE_LOG_SD`: the log volume of ordinary full weekdays, with weekday
  and month removed, splits into a part shared by the days of one week and a day-to-day part; both
  are robust standard deviations (1.4826 x median absolute deviation) with the Poisson part removed.

Week mapping. The bank's week runs Sunday to Thursday with full days, Friday short (morning and
midday) and Saturday evening only (after the Sabbath). The demo centre is western, so the bank's
days map in order onto Monday..Sunday: bank Sunday (the first working day, the busiest) -> Monday,
Monday -> Tuesday, Tuesday -> Wednesday, Wednesday -> Thursday, Thursday -> Friday, Friday (short
day) -> Saturday, Saturday (evening only) -> Sunday. Tables below are in the western order,
index 0 = Monday, as `date.weekday()` counts.

From `anonymous_bank_199902_calls.tsv` (one row per call, February 1999; PHANTOM calls dropped):
- `AHT_SECONDS`: mean service time `ser_time` of the 27,077 served calls with a positive time.
- `HANDLE_TIME_LOG_SIGMA`: sigma of a lognormal with the same mean and coefficient of variation
  (CV 1.228, sigma^2 = ln(1 + CV^2)). Maximum likelihood on log times gives 1.260, but the served
  times have a heavy short tail (6 % under 10 s), and that fit overstates mean/median as 2.21 where
  the data show 1.65 (176.9 s / 107 s); the moment fit reproduces mean, spread and median.
- `MEAN_PATIENCE_SECONDS`: exponential patience by maximum likelihood: total time in queue of all
  18,028 callers who queued, divided by the 3,932 who abandoned.
"""

from __future__ import annotations

# Western weekday order (0 = Monday) <- the bank's order (Sun, Mon, Tue, Wed, Thu, Fri, Sat).
BANK_DAY_FOR_WEEKDAY: tuple[str, ...] = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")

DAILY_FACTOR: tuple[float, ...] = (1.0470, 0.9966, 1.0157, 0.9607, 0.9800, 0.3372, 0.1338)

SLOTS_PER_DAY = 48  # 30-minute slots, 00:00 .. 23:30 local
# fmt: off
INTRADAY_SHARE: tuple[tuple[float, ...], ...] = (
    # Mon <- bank Sun
    (
        0.00157, 0.00191, 0.00093, 0.00076, 0.00042, 0.00030, 0.00028, 0.00012,
        0.00007, 0.00010, 0.00018, 0.00028, 0.00098, 0.00293, 0.01060, 0.01422,
        0.02289, 0.03288, 0.03488, 0.04207, 0.04512, 0.04483, 0.04070, 0.03825,
        0.03668, 0.03538, 0.03656, 0.03885, 0.03902, 0.03825, 0.03881, 0.04046,
        0.04465, 0.04458, 0.03605, 0.03181, 0.02484, 0.02136, 0.02046, 0.01742,
        0.01563, 0.01537, 0.01506, 0.01901, 0.01661, 0.01400, 0.01213, 0.00974,
    ),
    # Tue <- bank Mon
    (
        0.00195, 0.00133, 0.00083, 0.00056, 0.00027, 0.00031, 0.00020, 0.00015,
        0.00018, 0.00011, 0.00024, 0.00063, 0.00106, 0.00351, 0.01059, 0.01533,
        0.02282, 0.03356, 0.03554, 0.04485, 0.04559, 0.04337, 0.03984, 0.03747,
        0.03536, 0.03290, 0.03337, 0.03632, 0.03965, 0.03969, 0.04085, 0.03662,
        0.03212, 0.02891, 0.02366, 0.02620, 0.02644, 0.02734, 0.02385, 0.02229,
        0.01905, 0.02429, 0.02079, 0.02114, 0.01953, 0.01845, 0.01768, 0.01322,
    ),
    # Wed <- bank Tue
    (
        0.00235, 0.00079, 0.00064, 0.00039, 0.00036, 0.00029, 0.00011, 0.00013,
        0.00019, 0.00011, 0.00025, 0.00051, 0.00091, 0.00243, 0.01026, 0.01363,
        0.02319, 0.03106, 0.03482, 0.04043, 0.04622, 0.04182, 0.03804, 0.03710,
        0.03477, 0.03283, 0.03358, 0.03658, 0.03826, 0.03721, 0.03774, 0.03999,
        0.04006, 0.03789, 0.03248, 0.03145, 0.02998, 0.02501, 0.02180, 0.01954,
        0.01767, 0.02014, 0.01960, 0.01993, 0.01970, 0.01861, 0.01683, 0.01234,
    ),
    # Thu <- bank Wed
    (
        0.00181, 0.00134, 0.00083, 0.00045, 0.00028, 0.00026, 0.00030, 0.00013,
        0.00020, 0.00024, 0.00020, 0.00050, 0.00105, 0.00285, 0.01003, 0.01490,
        0.02332, 0.03262, 0.03672, 0.04320, 0.04465, 0.04258, 0.03947, 0.03823,
        0.03593, 0.03417, 0.04193, 0.03975, 0.03968, 0.03917, 0.03914, 0.03931,
        0.03099, 0.03061, 0.02535, 0.02715, 0.02796, 0.02509, 0.02317, 0.02138,
        0.01752, 0.02067, 0.01986, 0.02109, 0.01821, 0.01851, 0.01661, 0.01057,
    ),
    # Fri <- bank Thu
    (
        0.00235, 0.00104, 0.00062, 0.00034, 0.00032, 0.00025, 0.00013, 0.00008,
        0.00014, 0.00018, 0.00021, 0.00049, 0.00074, 0.00272, 0.00930, 0.01397,
        0.02126, 0.03143, 0.03435, 0.04208, 0.04603, 0.04396, 0.03916, 0.03807,
        0.03530, 0.03529, 0.03526, 0.03590, 0.03992, 0.03971, 0.03879, 0.04050,
        0.04229, 0.04202, 0.03455, 0.03199, 0.02777, 0.02290, 0.02041, 0.01891,
        0.01658, 0.02104, 0.01795, 0.01803, 0.01633, 0.01413, 0.01479, 0.01040,
    ),
    # Sat <- bank Fri
    (
        0.00727, 0.00358, 0.00199, 0.00149, 0.00135, 0.00078, 0.00082, 0.00060,
        0.00039, 0.00067, 0.00064, 0.00096, 0.00177, 0.00486, 0.02171, 0.03058,
        0.05272, 0.07983, 0.07635, 0.07593, 0.07639, 0.07674, 0.07752, 0.06926,
        0.07493, 0.06042, 0.04829, 0.04062, 0.02746, 0.02264, 0.01476, 0.01082,
        0.00820, 0.00692, 0.00525, 0.00330, 0.00270, 0.00209, 0.00160, 0.00099,
        0.00075, 0.00106, 0.00057, 0.00057, 0.00035, 0.00064, 0.00053, 0.00032,
    ),
    # Sun <- bank Sat
    (
        0.00089, 0.00059, 0.00069, 0.00040, 0.00040, 0.00050, 0.00000, 0.00000,
        0.00010, 0.00010, 0.00000, 0.00020, 0.00020, 0.00020, 0.00059, 0.00000,
        0.00069, 0.00059, 0.00208, 0.00178, 0.00198, 0.00228, 0.00278, 0.00149,
        0.00268, 0.00258, 0.00099, 0.00258, 0.00178, 0.00228, 0.00149, 0.00188,
        0.00178, 0.00258, 0.00307, 0.00545, 0.01398, 0.03311, 0.06572, 0.08267,
        0.06899, 0.08079, 0.10547, 0.13779, 0.11747, 0.09605, 0.08446, 0.06582,
    ),
)

# January .. December
MONTHLY_FACTOR: tuple[float, ...] = (
    0.9575, 0.9304, 1.0583, 0.9748, 1.0555, 0.9797, 1.0160, 0.9766, 0.9760, 0.8903, 1.0770, 1.1079,
)
# fmt: on

HOLIDAY_FACTOR = 0.1489
WEEK_NOISE_LOG_SD = 0.0743
DAY_NOISE_LOG_SD = 0.1275

AHT_SECONDS = 176.9
HANDLE_TIME_LOG_SIGMA = 0.9589
MEAN_PATIENCE_SECONDS = 347.7
