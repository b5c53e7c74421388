"""Outside input as a stranger would send it, for the fuzz tests: link values, JSON values,
settings dicts and CSV rows (Hypothesis strategies)."""

from hypothesis import strategies as st

NUMBERS = st.sampled_from(["0", "-1", "1e400", "-1e400", "nan", "inf", "1e-400", "0x10",
                           "9" * 40, "1.5", "", ",", "1,2", "2,", ",,,", "1024," * 40,
                           "1024," * 32, "64," * 8, "true", "None", "[]", "{}", "٣",
                           "x" * 5000, "1," * 5000, "9" * 5000])
TEXTS = NUMBERS | st.text(max_size=30) | st.text(alphabet="0123456789,.-e", max_size=40)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.integers(-(10**30), 10**30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=10)


def keys(cls):
    return st.sampled_from(list(cls.FIELDS)) | st.text(max_size=8)


def query_of(cls):
    return st.dictionaries(keys(cls), TEXTS, max_size=8)


def dict_of(cls):
    big = (st.lists(st.integers(1, 1024), max_size=40) | st.integers(-5, 10**6)
           | st.just("x" * 5000) | st.just([0.5] * 5000) | st.just(10**4000))
    return st.dictionaries(keys(cls), JSON | big, max_size=8)


CELLS = st.sampled_from(["1", "-2.5", "1e308", "-1e308", "nan", "inf", "", "a", "cat", "dog",
                         "0", "3", '"1,2"', "train", "test", "split", "x1", "label", "1e-320",
                         "\u00e9", "\x00", "9" * 400])
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=6).map(",".join), max_size=40)


NUMS = st.sampled_from(["0", "1", "-1", "2.5", "1e100", "-1e100", "1e101", "1e-320", "3",
                        "nan", ""]) | st.floats(-1e6, 1e6).map(repr)
LABELS = st.sampled_from(["0", "1", "2", "3", "cat", "dog", "1.5", "1e100", ""])
TABLES = st.lists(st.tuples(NUMS, NUMS, LABELS).map(",".join), min_size=2, max_size=30).map(
    lambda rows: "x1,x2,label\n" + "\n".join(rows))  # tables that often load
