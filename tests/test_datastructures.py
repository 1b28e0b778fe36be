"""Tests for erlen.datastructures (Werkzeug-compatible data structures)."""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import io
import os
import pickle
from datetime import date, datetime, timezone

import pytest
from _timing import assert_linear

from erlen import datastructures as ds
from erlen.datastructures import (
    Accept,
    Authorization,
    CallbackDict,
    CharsetAccept,
    CombinedMultiDict,
    ContentRange,
    ContentSecurityPolicy,
    EnvironHeaders,
    ETags,
    FileMultiDict,
    FileStorage,
    Headers,
    HeaderSet,
    IfRange,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    ImmutableTypeConversionDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    TypeConversionDict,
    WWWAuthenticate,
    iter_multi_items,
)

HOSTILE = ["a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "a\0b", "\n", "tail\r"]


def assert_bad_request_key_error(exc: BaseException) -> None:
    """The KeyError is a BadRequestKeyError once erlen.exceptions exists."""
    assert isinstance(exc, KeyError)
    if importlib.util.find_spec("erlen.exceptions") is not None:
        from erlen.exceptions import BadRequest, BadRequestKeyError

        assert isinstance(exc, BadRequestKeyError)
        assert isinstance(exc, BadRequest)


# ---------------------------------------------------------------------------
# MultiDict family
# ---------------------------------------------------------------------------


def test_multidict_construction_forms() -> None:
    pairs = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert pairs.getlist("a") == [1, 3]
    assert pairs["a"] == 1
    mapping = MultiDict({"a": [1, 2], "b": (3,), "c": set(), "d": 4})
    assert mapping.getlist("a") == [1, 2]
    assert mapping.getlist("b") == [3]
    assert "c" not in mapping  # empty list values are dropped
    assert mapping["d"] == 4
    clone = MultiDict(pairs)
    clone.add("a", 5)
    assert pairs.getlist("a") == [1, 3]  # value lists are copied
    assert MultiDict() == {}
    assert MultiDict(None) == {}


def test_multidict_getitem_missing_raises_bad_request_key_error() -> None:
    d = MultiDict([("a", "1")])
    with pytest.raises(KeyError) as info:
        d["missing"]
    assert_bad_request_key_error(info.value)
    assert info.value.args[0] == "missing"


def test_multidict_get_with_type_and_default() -> None:
    d = MultiDict([("n", "42"), ("bad", "x"), ("none", None)])
    assert d.get("n") == "42"
    assert d.get("n", type=int) == 42
    assert d.get("bad", -1, type=int) == -1  # ValueError -> default
    assert d.get("none", -2, type=int) == -2  # TypeError -> default
    assert d.get("missing") is None
    assert d.get("missing", "dflt") == "dflt"


def test_multidict_getlist_type_drops_failures() -> None:
    d = MultiDict([("a", "1"), ("a", "x"), ("a", None), ("a", "3")])
    assert d.getlist("a", type=int) == [1, 3]
    assert d.getlist("missing") == []
    got = d.getlist("a")
    got.append("mutated")
    assert d.getlist("a") == ["1", "x", None, "3"]  # returns a copy


def test_multidict_mutation_methods() -> None:
    d: MultiDict[str, int] = MultiDict()
    d.add("a", 1)
    d.add("a", 2)
    d["b"] = 3
    d["b"] = 4
    assert d.getlist("b") == [4]
    d.setlist("c", iter([5, 6]))
    assert d.getlist("c") == [5, 6]
    assert d.setdefault("a", 99) == 1
    assert d.setdefault("z", 7) == 7
    internal = d.setlistdefault("e", [8])
    internal.append(9)
    assert d.getlist("e") == [8, 9]
    assert d.poplist("a") == [1, 2]
    assert d.poplist("a") == []
    assert d.pop("c") == 5
    assert "c" not in d
    assert d.pop("c", "gone") == "gone"
    with pytest.raises(KeyError):
        d.pop("c")


def test_multidict_popitem_and_popitemlist() -> None:
    d = MultiDict([("a", 1), ("a", 2)])
    assert d.popitem() == ("a", 1)
    assert not d
    d = MultiDict([("a", 1), ("a", 2)])
    assert d.popitemlist() == ("a", [1, 2])
    with pytest.raises(KeyError) as info:
        d.popitem()
    assert_bad_request_key_error(info.value)
    with pytest.raises(KeyError):
        d.popitemlist()


def test_multidict_views_and_to_dict() -> None:
    d = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert list(d.items()) == [("a", 1), ("b", 2)]
    assert list(d.items(multi=True)) == [("a", 1), ("a", 3), ("b", 2)]
    assert list(d.lists()) == [("a", [1, 3]), ("b", [2])]
    assert list(d.values()) == [1, 2]
    assert list(d.listvalues()) == [[1, 3], [2]]
    assert list(d.keys()) == ["a", "b"]
    assert d.to_dict() == {"a": 1, "b": 2}
    assert d.to_dict(flat=False) == {"a": [1, 3], "b": [2]}
    assert dict(d) == {"a": 1, "b": 2}  # first values, not the raw lists
    assert len(d) == 2


def test_multidict_update_extends_and_operators() -> None:
    a = MultiDict({"x": 1})
    a.update(MultiDict([("x", 2), ("y", 3)]))
    assert a.getlist("x") == [1, 2]
    a.update({"z": [4, 5], "empty": []})
    assert a.getlist("z") == [4, 5]
    assert "empty" not in a
    a.update([("x", 6)])
    assert a.getlist("x") == [1, 2, 6]
    b = a | {"x": 7}
    assert b.getlist("x") == [1, 2, 6, 7]
    assert a.getlist("x") == [1, 2, 6]
    a |= [("w", 0)]
    assert a["w"] == 0
    assert a.__or__(5) is NotImplemented


def test_multidict_copy_deepcopy_pickle() -> None:
    inner = [1]
    d = MultiDict([("a", inner), ("a", 2)])
    shallow = copy.copy(d)
    deep = copy.deepcopy(d)
    assert shallow["a"] is inner
    assert deep["a"] == [1] and deep["a"] is not inner
    assert d.deepcopy().getlist("a") == [[1], 2]
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        restored = pickle.loads(pickle.dumps(d, proto))
        assert type(restored) is MultiDict
        assert restored.getlist("a") == [[1], 2]


def test_multidict_repr_and_fromkeys() -> None:
    d = MultiDict([("a", 1), ("a", 2)])
    assert repr(d) == "MultiDict([('a', 1), ('a', 2)])"
    f = MultiDict.fromkeys(["x", "y"], 0)
    assert f.getlist("x") == [0]


def test_multidict_unhashable_key_is_type_error() -> None:
    d = MultiDict()
    with pytest.raises(TypeError):
        d.get([])  # type: ignore[arg-type]


def test_huge_multidict_is_fast_and_correct() -> None:
    n = 200_000
    d = MultiDict((f"k{i % 1000}", i) for i in range(n))
    assert len(d) == 1000
    assert len(d.getlist("k7")) == n // 1000
    assert sum(len(v) for v in d.listvalues()) == n
    im = ImmutableMultiDict(d)
    assert im.getlist("k999")[-1] == n - 1
    assert_linear(
        lambda pairs: ImmutableMultiDict(MultiDict(pairs)),
        lambda size: [(f"k{i % 1000}", i) for i in range(size)],
        1_000,
    )
    one_key = MultiDict(("same", i) for i in range(n))
    assert len(one_key.getlist("same")) == n


def test_immutable_multidict_rejects_mutation() -> None:
    d = ImmutableMultiDict([("a", "1"), ("a", "2")])
    mutators = [
        lambda: d.__setitem__("a", "x"),
        lambda: d.__delitem__("a"),
        lambda: d.add("a", "x"),
        lambda: d.setlist("a", []),
        lambda: d.setlistdefault("a"),
        lambda: d.setdefault("a", "x"),
        lambda: d.update({"a": "x"}),
        lambda: d.pop("a"),
        lambda: d.popitem(),
        lambda: d.poplist("a"),
        lambda: d.popitemlist(),
        lambda: d.clear(),
        lambda: d.__ior__({"a": "x"}),
    ]
    for fn in mutators:
        with pytest.raises(TypeError, match="immutable"):
            fn()
    assert d.getlist("a") == ["1", "2"]


def test_immutable_multidict_hash_copy_pickle() -> None:
    a = ImmutableMultiDict([("a", "1"), ("a", "2")])
    b = ImmutableMultiDict([("a", "1"), ("a", "2")])
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert copy.copy(a) is a
    mutable = a.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", "3")
    assert a.getlist("a") == ["1", "2"]
    restored = pickle.loads(pickle.dumps(a))
    assert type(restored) is ImmutableMultiDict
    assert restored.getlist("a") == ["1", "2"]


def test_ordered_multidicts_are_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="OrderedMultiDict"):
        omd_class = ds.OrderedMultiDict
    with pytest.warns(DeprecationWarning, match="OrderedMultiDict"):
        omd = omd_class([("a", 1)])
    assert isinstance(omd, MultiDict)
    with pytest.warns(DeprecationWarning):
        iomd_class = ds.ImmutableOrderedMultiDict
    assert issubclass(iomd_class, omd_class)
    with pytest.raises(AttributeError):
        ds.DoesNotExist  # noqa: B018


@pytest.mark.filterwarnings("ignore:'OrderedMultiDict':DeprecationWarning")
def test_ordered_multidict_keeps_the_order_across_keys() -> None:
    omd = ds.structures._OrderedMultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert list(omd.items(multi=True)) == [("a", 1), ("b", 2), ("a", 3)]
    assert list(omd.items()) == [("a", 1), ("b", 2)]
    assert omd == MultiDict([("a", 1), ("a", 3), ("b", 2)])
    omd["a"] = 4  # replaces the values and moves the key last
    omd.add("b", 5)
    assert list(omd.items(multi=True)) == [("b", 2), ("a", 4), ("b", 5)]
    assert omd.poplist("b") == [2, 5]
    assert list(omd.items(multi=True)) == [("a", 4)]
    with pytest.raises(TypeError):
        omd.setlistdefault("a")

    omd.setlist("c", [6, 7])
    omd.add("a", 8)
    for copied in (omd.copy(), copy.deepcopy(omd), pickle.loads(pickle.dumps(omd))):
        assert type(copied) is type(omd)
        assert list(copied.items(multi=True)) == [("a", 4), ("c", 6), ("c", 7), ("a", 8)]
    assert omd != ds.structures._OrderedMultiDict([("c", 6), ("c", 7), ("a", 4), ("a", 8)])


@pytest.mark.filterwarnings("ignore:'OrderedMultiDict':DeprecationWarning")
def test_immutable_ordered_multidict_hashes_its_order() -> None:
    cls = ds.structures._ImmutableOrderedMultiDict
    first = cls([("a", 1), ("b", 1), ("a", 2)])
    with pytest.raises(TypeError):
        first.add("c", 3)
    assert hash(first) == hash(cls([("a", 1), ("b", 1), ("a", 2)]))
    assert hash(first) != hash(cls([("a", 1), ("a", 2), ("b", 1)]))
    assert copy.copy(first) is first
    mutable = first.copy()
    mutable.add("c", 3)
    assert list(mutable.items(multi=True))[-1] == ("c", 3)


def test_combined_multidict_reads_through() -> None:
    get = MultiDict([("a", "x"), ("b", "1")])
    post = MultiDict([("a", "2"), ("c", "3")])
    c = CombinedMultiDict([get, post])
    assert c["a"] == "x"
    assert c.getlist("a") == ["x", "2"]
    assert c.get("a", type=int) == 2  # conversion failure falls to next dict
    assert c.get("zzz", "d") == "d"
    assert "c" in c and "zzz" not in c
    assert len(c) == 3
    assert sorted(c) == ["a", "b", "c"]
    assert sorted(c.keys()) == ["a", "b", "c"]
    assert dict(c.lists()) == {"a": ["x", "2"], "b": ["1"], "c": ["3"]}
    assert c.to_dict() == {"a": "x", "b": "1", "c": "3"}
    assert sorted(c.items(multi=True)) == [("a", "2"), ("a", "x"), ("b", "1"), ("c", "3")]
    assert sorted(c.values()) == ["1", "3", "x"]
    with pytest.raises(KeyError) as info:
        c["zzz"]
    assert_bad_request_key_error(info.value)


def test_combined_multidict_immutable_copy_eq() -> None:
    c = CombinedMultiDict([MultiDict({"a": "1"}), MultiDict({"a": "2"})])
    with pytest.raises(TypeError):
        c["a"] = "x"
    with pytest.raises(TypeError):
        c.add("a", "x")
    with pytest.raises(TypeError):
        CombinedMultiDict.fromkeys(["a"])
    snapshot = c.copy()
    assert type(snapshot) is MultiDict
    assert snapshot.getlist("a") == ["1", "2"]
    assert c.deepcopy().getlist("a") == ["1", "2"]
    other = CombinedMultiDict([MultiDict({"b": "1"})])
    assert c != other  # compares contents, not the (empty) dict storage
    assert c == CombinedMultiDict([MultiDict([("a", "1"), ("a", "2")])])
    assert "CombinedMultiDict([" in repr(c)
    assert pickle.loads(pickle.dumps(c)).getlist("a") == ["1", "2"]


def test_type_conversion_dict_family() -> None:
    d = TypeConversionDict(foo="42", bar="blub")
    assert d.get("foo", type=int) == 42
    assert d.get("bar", -1, type=int) == -1
    assert d.get("nope", 5) == 5
    im = ImmutableTypeConversionDict(foo="1")
    with pytest.raises(TypeError):
        im["x"] = "y"
    assert type(im.copy()) is TypeConversionDict
    assert copy.copy(im) is im
    assert im.get("foo", type=int) == 1


def test_immutable_dict_and_list() -> None:
    d = ImmutableDict({"a": 1})
    for fn in (
        lambda: d.__setitem__("b", 2),
        lambda: d.update(b=2),
        lambda: d.setdefault("b"),
        lambda: d.pop("a"),
        lambda: d.popitem(),
        lambda: d.clear(),
        lambda: d.__delitem__("a"),
    ):
        with pytest.raises(TypeError):
            fn()
    assert hash(d) == hash(ImmutableDict({"a": 1}))
    assert d.copy() == {"a": 1} and type(d.copy()) is dict
    assert repr(d) == "ImmutableDict({'a': 1})"
    assert ImmutableDict.fromkeys(["x"], 0) == {"x": 0}
    lst = ImmutableList([1, 2])
    for fn in (
        lambda: lst.append(3),
        lambda: lst.extend([3]),
        lambda: lst.insert(0, 3),
        lambda: lst.remove(1),
        lambda: lst.pop(),
        lambda: lst.sort(),
        lambda: lst.reverse(),
        lambda: lst.__setitem__(0, 3),
        lambda: lst.__delitem__(0),
        lambda: lst.__iadd__([3]),
        lambda: lst.__imul__(2),
        lambda: lst.clear(),
    ):
        with pytest.raises(TypeError):
            fn()
    assert hash(lst) == hash((1, 2))
    assert repr(lst) == "ImmutableList([1, 2])"
    assert pickle.loads(pickle.dumps(lst)) == [1, 2]


def test_callback_dict_calls_on_update_for_every_mutation() -> None:
    calls: list[dict[str, int]] = []
    d: CallbackDict[str, int] = CallbackDict({"a": 1}, calls.append)
    d["b"] = 2
    del d["b"]
    d.setdefault("c", 3)
    d.setdefault("c", 4)  # existing key: no update
    d.pop("c")
    d.pop("missing", None)  # missing key: no update
    d.update({"x": 1})
    d.update(y=2)
    d |= {"z": 3}
    d.popitem()
    d.clear()
    assert len(calls) == 9
    assert all(c is d for c in calls)
    with pytest.raises(KeyError):
        d.pop("missing")
    assert len(calls) == 9
    assert repr(CallbackDict({"a": 1})) == "<CallbackDict {'a': 1}>"
    plain = CallbackDict()
    plain["a"] = 1  # no callback configured
    assert plain == {"a": 1}


def test_iter_multi_items() -> None:
    assert list(iter_multi_items(MultiDict([("a", 1), ("a", 2)]))) == [("a", 1), ("a", 2)]
    assert list(iter_multi_items({"a": [1, 2], "b": 3})) == [("a", 1), ("a", 2), ("b", 3)]
    assert list(iter_multi_items([("x", 1)])) == [("x", 1)]


def test_header_set() -> None:
    calls: list[HeaderSet] = []
    hs = HeaderSet(["Accept-Encoding", "Cookie"], on_update=calls.append)
    assert "accept-encoding" in hs
    assert 5 not in hs
    hs.add("COOKIE")  # already present
    assert calls == []
    hs.add("User-Agent")
    assert len(calls) == 1
    assert hs.find("user-agent") == 2
    assert hs.index("cookie") == 1
    with pytest.raises(IndexError):
        hs.index("nope")
    hs.remove("COOKIE")  # case-insensitive, removes the stored spelling too
    assert list(hs) == ["Accept-Encoding", "User-Agent"]
    with pytest.raises(KeyError):
        hs.remove("cookie")
    hs.discard("cookie")
    hs[0] = "Origin"
    assert hs.as_set() == {"origin", "user-agent"}
    assert hs.as_set(preserve_casing=True) == {"Origin", "User-Agent"}
    del hs[0]
    assert hs.to_header() == "User-Agent"
    assert str(HeaderSet(["a b", "c"])) == '"a b", c'
    hs.clear()
    assert not hs and len(hs) == 0
    assert repr(HeaderSet(["a"])) == "HeaderSet(['a'])"


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------


def test_headers_basic_access() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-Foo", "1"), ("x-foo", "2")])
    assert h["content-type"] == "text/plain"
    assert h["X-FOO"] == "1"
    assert h.get("x-foo", type=int) == 1
    assert h.get("content-type", -1, type=int) == -1
    assert h.get("missing", "d") == "d"
    assert h.getlist("X-Foo") == ["1", "2"]
    assert h.getlist("x-foo", type=int) == [1, 2]
    assert h.getlist("content-type", type=int) == []
    assert h.get_all("x-foo") == ["1", "2"]
    assert "X-FOO" in h and "nope" not in h and 5 not in h
    assert len(h) == 3
    assert h[0] == ("Content-Type", "text/plain")
    assert h[-1] == ("x-foo", "2")
    sliced = h[1:]
    assert type(sliced) is Headers and list(sliced) == [("X-Foo", "1"), ("x-foo", "2")]
    assert list(h) == [("Content-Type", "text/plain"), ("X-Foo", "1"), ("x-foo", "2")]
    assert list(h.keys()) == ["Content-Type", "X-Foo", "x-foo"]
    assert list(h.keys(lower=True)) == ["content-type", "x-foo", "x-foo"]
    assert list(h.values()) == ["text/plain", "1", "2"]
    assert list(h.items(lower=True))[0] == ("content-type", "text/plain")


def test_headers_missing_key_raises_bad_request_key_error() -> None:
    h = Headers()
    with pytest.raises(KeyError) as info:
        h["X-Missing"]
    assert_bad_request_key_error(info.value)
    with pytest.raises(KeyError):
        h.pop("X-Missing")
    assert h.pop("X-Missing", None) is None


def test_headers_int_and_bytes_are_converted() -> None:
    h = Headers()
    h.add("Content-Length", 42)
    h.add(123, "num-key")
    h.add("X-Bytes", b"caf\xe9")
    h["X-Int"] = 7
    assert h["content-length"] == "42"
    assert h["123"] == "num-key"
    assert h["x-bytes"] == "café"
    assert h.to_wsgi_list() == [
        ("Content-Length", "42"),
        ("123", "num-key"),
        ("X-Bytes", "café"),
        ("X-Int", "7"),
    ]
    assert all(type(k) is str and type(v) is str for k, v in h.to_wsgi_list())


def test_headers_construct_from_dict_multidict_headers() -> None:
    h = Headers({"A": "1", "B": ["2", "3"]})
    assert h.getlist("b") == ["2", "3"]
    m = Headers(MultiDict([("a", 1), ("a", 2)]))
    assert m.to_wsgi_list() == [("a", "1"), ("a", "2")]
    copy_ = Headers(h)
    copy_.add("C", "4")
    assert "C" not in h
    assert Headers(h.items()) == h


def test_headers_add_with_options() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="foo.png")
    h.add_header("Content-Type", "text/plain", charset="utf-8", x_extra_value="a b", skip=None)
    assert h["Content-Disposition"] == "attachment; filename=foo.png"
    assert h["content-type"] == 'text/plain; charset=utf-8; x-extra-value="a b"'
    h.set("Content-Disposition", "inline", filename='we"ird.txt')
    assert h["content-disposition"] == 'inline; filename="we\\"ird.txt"'


def test_headers_set_replaces_first_and_removes_rest() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
    h.set("a", "new")
    assert h.to_wsgi_list() == [("a", "new"), ("B", "2"), ("C", "4")]
    h.set("D", "5")
    assert h.to_wsgi_list()[-1] == ("D", "5")
    h["b"] = "x"
    assert h.to_wsgi_list() == [("a", "new"), ("b", "x"), ("C", "4"), ("D", "5")]


def test_headers_setdefault_setlist_setlistdefault() -> None:
    h = Headers([("A", "1")])
    assert h.setdefault("a", "2") == "1"
    assert h.setdefault("B", 3) == "3"
    h.setlist("A", ["x", "y"])
    assert h.getlist("a") == ["x", "y"]
    h.setlist("A", iter([]))
    assert "A" not in h
    assert h.setlistdefault("C", ["1", "2"]) == ["1", "2"]
    assert h.setlistdefault("C", ["9"]) == ["1", "2"]


def test_headers_extend_and_update() -> None:
    h = Headers([("A", "1")])
    h.extend({"A": "2", "B": ["3", "4"]}, C="5")
    assert h.getlist("a") == ["1", "2"]
    assert h.getlist("b") == ["3", "4"]
    assert h["c"] == "5"
    h.update({"a": "z", "b": ["p", "q"]}, C=["6", "7"])
    assert h.getlist("A") == ["z"]
    assert h.getlist("B") == ["p", "q"]
    assert h.getlist("c") == ["6", "7"]
    h.update(Headers([("A", "m"), ("A", "n")]))
    assert h.getlist("a") == ["m", "n"]
    h.update([("D", "1"), ("D", "2")])  # pairs use set(): last one wins
    assert h.getlist("d") == ["2"]
    merged = h | {"E": "1"}
    assert "E" in merged and "E" not in h
    h |= {"F": "1"}
    assert h["f"] == "1"
    assert h.__or__([("a", "b")]) is NotImplemented


def test_headers_remove_pop_popitem_delitem_clear() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
    assert h.pop("A") == "1"
    assert "a" not in h
    assert h.pop() == ("C", "4")
    h.add("X", "1")
    assert h.pop(0) == ("B", "2")
    assert h.popitem() == ("X", "1")
    h.extend([("A", "1"), ("B", "2"), ("C", "3")])
    del h["b"]
    del h[0]
    assert list(h) == [("C", "3")]
    h.remove("c")
    h.remove("never-there")
    assert len(h) == 0
    h.add("a", "b")
    h.clear()
    assert not h


def test_headers_int_and_slice_setitem() -> None:
    h = Headers([("A", "1"), ("B", "2")])
    h[0] = ("Z", 9)
    assert h[0] == ("Z", "9")
    h[0:1] = [("Y", 1), ("W", 2)]
    assert list(h) == [("Y", "1"), ("W", "2"), ("B", "2")]


def test_headers_eq_copy_str_repr() -> None:
    a = Headers([("A", "1"), ("B", "2")])
    b = Headers([("b", "2"), ("a", "1")])
    assert a == b
    assert a != Headers([("a", "2")])
    assert a != [("A", "1"), ("B", "2")]
    with pytest.raises(TypeError):
        hash(a)
    c = a.copy()
    c.add("C", "3")
    assert len(a) == 2
    assert copy.copy(a) == a
    assert str(a) == "A: 1\r\nB: 2\r\n\r\n"
    assert str(Headers()) == "\r\n"
    assert repr(a) == "Headers([('A', '1'), ('B', '2')])"
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a


def test_headers_to_wsgi_list_is_internal_list() -> None:
    h = Headers([("A", "1")])
    assert h.to_wsgi_list() is h._list
    assert h.to_wsgi_list() == [("A", "1")]


@pytest.mark.parametrize("bad", HOSTILE)
def test_headers_reject_injection_in_value(bad: str) -> None:
    h = Headers([("Safe", "1")])
    attempts = [
        lambda: h.add("X", bad),
        lambda: h.add_header("X", bad),
        lambda: h.set("X", bad),
        lambda: h.setdefault("X", bad),
        lambda: h.setlist("X", ["ok", bad]),
        lambda: h.extend([("X", bad)]),
        lambda: h.extend({"X": [bad]}),
        lambda: h.extend(X=bad),
        lambda: h.update({"X": bad}),
        lambda: h.__setitem__("X", bad),
        lambda: h.__setitem__(0, ("X", bad)),
        lambda: h.__setitem__(slice(0, 1), [("X", bad)]),
        lambda: h.add("X", "attachment", filename=bad),
        lambda: h.add("X", bad.encode("latin-1")),
        lambda: Headers([("X", bad)]),
        lambda: Headers({"X": bad}),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            attempt()
    assert h.to_wsgi_list()[0] == ("Safe", "1")
    assert all("\n" not in v and "\r" not in v and "\0" not in v for _, v in h)


@pytest.mark.parametrize("bad", HOSTILE)
def test_headers_reject_injection_in_name(bad: str) -> None:
    h = Headers()
    attempts = [
        lambda: h.add(bad, "v"),
        lambda: h.set(bad, "v"),
        lambda: h.setdefault(bad, "v"),
        lambda: h.extend([(bad, "v")]),
        lambda: h.__setitem__(bad, "v"),
        lambda: h.__setitem__(0, (bad, "v")),
        lambda: Headers([(bad, "v")]),
        lambda: Headers({bad: "v"}),
    ]
    h.add("Placeholder", "x")
    for attempt in attempts:
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            attempt()
    assert list(h) == [("Placeholder", "x")]


def test_headers_allow_tabs_and_non_ascii_values() -> None:
    h = Headers()
    h.add("X-Tab", "a\tb")
    h.add("X-Uni", "ünïcode")
    h.add("X-Long", "v" * 10_000)
    assert h["x-tab"] == "a\tb"
    assert h["x-uni"] == "ünïcode"
    assert len(h["x-long"]) == 10_000


def test_headers_hostile_long_value_is_rejected_quickly() -> None:
    def add(value: str) -> None:
        with pytest.raises(ValueError):
            Headers().add("X", value)

    add("a" * 1_000_000 + "\n")
    assert_linear(add, lambda n: "a" * n + "\n", 10_000)


def test_headers_error_message_is_truncated() -> None:
    with pytest.raises(ValueError) as info:
        Headers().add("X", "\n" + "x" * 10_000)
    assert len(str(info.value)) < 200


# ---------------------------------------------------------------------------
# EnvironHeaders
# ---------------------------------------------------------------------------


ENVIRON = {
    "REQUEST_METHOD": "GET",
    "HTTP_HOST": "example.com",
    "HTTP_X_FORWARDED_FOR": "1.2.3.4",
    "HTTP_CONTENT_TYPE": "ignored",
    "CONTENT_TYPE": "text/html; charset=ISO-8859-1",
    "CONTENT_LENGTH": "",
    "HTTP_X_LATIN": "caf\xe9",
    "wsgi.input": io.BytesIO(),
}


def test_environ_headers_lookup() -> None:
    h = EnvironHeaders(ENVIRON)
    assert h["Host"] == "example.com"
    assert h["x-forwarded-for"] == "1.2.3.4"
    assert h.get("X_Forwarded_For") == "1.2.3.4"
    assert h["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert h["content-length"] == ""  # present in environ, even if empty
    assert h.get("x-latin") == "caf\xe9"  # latin-1 str returned as is
    assert h.get("missing", "d") == "d"
    assert h.get("host", type=int) is None
    assert h.get(42) is None  # type: ignore[arg-type]
    assert "HOST" in h and "missing" not in h and 42 not in h
    assert h.getlist("host") == ["example.com"]
    assert h.getlist("content-length") == []  # empty CONTENT_LENGTH is not a header
    assert h.getlist("missing") == []
    with pytest.raises(KeyError) as info:
        h["missing"]
    assert_bad_request_key_error(info.value)
    with pytest.raises(KeyError):
        h[0]


def test_environ_headers_iteration() -> None:
    h = EnvironHeaders(ENVIRON)
    assert list(h) == [
        ("Host", "example.com"),
        ("X-Forwarded-For", "1.2.3.4"),
        ("Content-Type", "text/html; charset=ISO-8859-1"),
        ("X-Latin", "caf\xe9"),
    ]
    assert len(h) == 4 and bool(h)
    assert not EnvironHeaders({"wsgi.input": None})
    assert list(h.keys(lower=True))[0] == "host"
    assert list(h.values())[1] == "1.2.3.4"
    assert list(h.items())[0] == ("Host", "example.com")
    assert h.to_wsgi_list() == list(h)
    assert str(h).startswith("Host: example.com\r\n")
    as_headers = Headers(h)
    assert type(as_headers) is Headers and as_headers["x-forwarded-for"] == "1.2.3.4"


def test_environ_headers_read_only() -> None:
    h = EnvironHeaders(dict(ENVIRON))
    for fn in (
        lambda: h.__setitem__("X", "1"),
        lambda: h.__delitem__("Host"),
        lambda: h.add("X", "1"),
        lambda: h.add_header("X", "1"),
        lambda: h.set("X", "1"),
        lambda: h.setlist("X", ["1"]),
        lambda: h.setdefault("X", "1"),
        lambda: h.setlistdefault("X", ["1"]),
        lambda: h.extend({"X": "1"}),
        lambda: h.update({"X": "1"}),
        lambda: h.remove("Host"),
        lambda: h.pop("Host"),
        lambda: h.popitem(),
        lambda: h.clear(),
        lambda: h.copy(),
        lambda: h | {"X": "1"},
        lambda: h.__ior__({"X": "1"}),
    ):
        with pytest.raises(TypeError):
            fn()
    assert h == EnvironHeaders(h.environ)
    assert h != EnvironHeaders(dict(ENVIRON))
    assert h.__eq__(Headers()) is NotImplemented
    assert isinstance(h, Headers)


def test_environ_headers_key_cache_is_bounded() -> None:
    h = EnvironHeaders({})
    for i in range(2000):
        assert h.get(f"X-Random-{i}") is None
    assert len(ds.headers._ENVIRON_KEYS) <= ds.headers._ENVIRON_KEYS_MAX


# ---------------------------------------------------------------------------
# Accept
# ---------------------------------------------------------------------------


def test_accept_basics() -> None:
    a = Accept([("b", 0.5), ("a", 1), ("*", 0.1)])
    assert list(a) == [("a", 1), ("b", 0.5), ("*", 0.1)]
    assert a.provided
    assert a["a"] == 1
    assert a["zzz"] == 0.1  # matched by "*"
    assert a[0] == ("a", 1)
    assert a.quality("B") == 0.5
    assert "anything" in a
    assert a.index("b") == 1
    assert a.index(("b", 0.5)) == 1
    assert a.find("nope") == 2
    assert Accept([("a", 1)]).find("nope") == -1
    with pytest.raises(ValueError):
        Accept([("a", 1)]).index("nope")
    assert list(a.values()) == ["a", "b", "*"]
    assert a.best == "a"
    assert a.to_header() == "a,b;q=0.5,*;q=0.1"
    assert str(a) == a.to_header()
    assert repr(Accept([("a", 1)])) == "Accept([('a', 1)])"
    empty = Accept(None)
    assert not empty.provided and empty.best is None
    assert Accept(a).provided
    with pytest.raises(TypeError):
        a.append(("c", 1))  # type: ignore[arg-type]


def test_mime_accept_matching() -> None:
    a = MIMEAccept([("text/html", 1), ("application/*", 0.8), ("*/*", 0.1)])
    assert a.quality("text/html") == 1
    assert a.quality("application/json") == 0.8
    assert a.quality("image/png") == 0.1
    assert a.best_match(["image/png", "application/xml"]) == "application/xml"
    assert a.best_match(["text/html", "application/json"]) == "text/html"
    assert MIMEAccept([("text/*", 1)]).best_match(["image/png"], default="x") == "x"
    assert a.accept_html and a.accept_json and a.accept_xhtml
    plain = MIMEAccept([("text/plain", 1)])
    assert not plain.accept_html and not plain.accept_json
    assert "text/plain" in plain and "TEXT/PLAIN" in plain
    with pytest.raises(ValueError, match="invalid mimetype"):
        plain.quality("notamimetype")
    with pytest.raises(ValueError, match="invalid mimetype"):
        plain.quality("*/html")
    junk = MIMEAccept([("garbage", 1), ("*/bad", 1)])  # client junk never matches
    assert junk.quality("text/html") == 0
    params = MIMEAccept([("text/html;level=1", 1), ("text/html", 0.5)])
    assert params.quality("text/html; level=1") == 1
    assert params.quality("text/html") == 0.5


def test_mime_accept_specificity_order() -> None:
    a = MIMEAccept([("*/*", 1), ("text/*", 1), ("text/html", 0.5)])
    assert [v for v, _ in a] == ["text/html", "text/*", "*/*"]
    assert a.best_match(["text/plain", "image/png"]) == "text/plain"


def test_language_accept() -> None:
    a = LanguageAccept([("en-US", 1), ("de", 0.5)])
    assert a.best_match(["de_DE", "en"]) == "en"  # primary tag of client value
    assert a.best_match(["EN_us"]) == "EN_us"  # case- and delimiter-insensitive
    assert "en_us" in a
    assert LanguageAccept([("en", 1)]).best_match(["fr", "en-GB"]) == "en-GB"
    assert LanguageAccept([("en", 1)]).best_match(iter(["fr", "en-GB"])) == "en-GB"
    assert a.best_match(["fr"], default="xx") == "xx"


def test_charset_accept() -> None:
    a = CharsetAccept([("ISO-8859-1", 1), ("utf-8", 0.7)])
    assert a.best == "ISO-8859-1"
    assert "latin1" in a
    assert "UTF8" in a
    assert a["utf_8"] == 0.7
    assert "utf7" not in a
    assert "bad\0name" not in a  # codecs.lookup raises ValueError on NUL
    assert a.best_match(["utf8", "ascii"]) == "utf8"


# ---------------------------------------------------------------------------
# Authorization / WWWAuthenticate
# ---------------------------------------------------------------------------


def test_authorization_basic() -> None:
    auth = Authorization.from_header("Basic dXNlcjpwYTpzcw==")  # user:pa:ss
    assert auth is not None
    assert auth.type == "basic"
    assert auth.username == "user"
    assert auth.password == "pa:ss"
    assert auth["username"] == "user" and auth.get("x", "d") == "d"
    assert "password" in auth and auth.token is None
    assert auth.to_header() == "Basic dXNlcjpwYTpzcw=="
    assert str(auth) == auth.to_header()
    assert auth == Authorization("basic", {"username": "user", "password": "pa:ss"})
    assert auth.__eq__(object()) is NotImplemented
    assert auth.nonexistent is None


@pytest.mark.parametrize(
    "value",
    [
        "Basic !!!notbase64",
        "Basic dXNlcjpwYXN",  # bad length / padding
        "Basic /w==",  # decodes to b"\xff": invalid UTF-8
        "Basic dXNlcjpw\u00e9",  # non-ASCII in the base64 text
        "Basic dXNl cjpw",  # embedded space
    ],
)
def test_authorization_bad_basic_returns_none(value: str) -> None:
    assert Authorization.from_header(value) is None


def test_authorization_other_schemes() -> None:
    assert Authorization.from_header("") is None
    assert Authorization.from_header(None) is None
    bearer = Authorization.from_header("Bearer abc.def==")
    assert bearer is not None and bearer.type == "bearer" and bearer.token == "abc.def=="
    assert bearer.to_header() == "Bearer abc.def=="
    digest = Authorization.from_header('Digest username="a b", realm=r, nonce="x\\"y", opaque')
    assert digest is not None
    assert digest.parameters == {"username": "a b", "realm": "r", "nonce": 'x"y', "opaque": None}
    assert digest.username == "a b"
    assert digest.to_header() == 'Digest username="a b", realm=r, nonce="x\\"y", opaque'
    unclosed = Authorization.from_header('Digest username="unclosed, realm=x')
    assert unclosed is not None and unclosed.parameters == {}
    assert copy.copy(digest) == digest
    assert pickle.loads(pickle.dumps(digest)) == digest


def test_www_authenticate() -> None:
    www = WWWAuthenticate("Basic", {"realm": "my realm"})
    assert www.type == "basic"
    assert www.realm == "my realm"
    assert www.to_header() == 'Basic realm="my realm"'
    calls: list[WWWAuthenticate] = []
    www._on_update = calls.append
    www.realm = "other"
    www["charset"] = "UTF-8"
    www.parameters["x"] = "1"
    del www.x
    www.charset = None  # None removes the parameter
    assert "charset" not in www
    assert len(calls) >= 5
    www.token = "tok"
    assert www.to_header() == "Basic tok"
    assert WWWAuthenticate("bearer").to_header() == "Bearer"
    digest = WWWAuthenticate("digest", {"realm": "r", "nonce": "n", "algorithm": "MD5"})
    assert digest.to_header() == 'Digest realm="r", nonce="n", algorithm=MD5'
    parsed = WWWAuthenticate.from_header('Digest realm="r", qop="auth, auth-int"')
    assert parsed is not None and parsed.qop == "auth, auth-int"
    assert parsed.get("missing", "d") == "d" and parsed.missing is None
    tok = WWWAuthenticate.from_header("Negotiate abc==")
    assert tok is not None and tok.token == "abc=="
    assert WWWAuthenticate.from_header("") is None
    assert WWWAuthenticate("basic", {"realm": "a"}) == WWWAuthenticate("BASIC", {"realm": "a"})


# ---------------------------------------------------------------------------
# Cache-Control / CSP
# ---------------------------------------------------------------------------


def test_request_cache_control() -> None:
    cc = RequestCacheControl(
        {"max-age": "60", "no-cache": None, "max-stale": None, "min-fresh": "5", "x": "y"}
    )
    assert cc.max_age == 60
    assert cc.no_cache is True
    assert cc.max_stale is True
    assert cc.min_fresh == 5
    assert cc.no_store is False and cc.only_if_cached is False
    assert cc.provided
    assert not RequestCacheControl(None).provided
    with pytest.raises(TypeError):
        cc.max_age = 5
    with pytest.raises(TypeError):
        cc["x"] = "z"
    assert hash(cc) == hash(RequestCacheControl(dict(cc)))


@pytest.mark.parametrize("junk", ["abc", "1_000", "+5", "5.5", "\u0663", "9" * 5000, "", "0x10"])
def test_cache_control_junk_int_values_are_none(junk: str) -> None:
    cc = ResponseCacheControl({"max-age": junk, "s-maxage": junk})
    assert cc.max_age is None
    assert cc.s_maxage is None
    assert RequestCacheControl({"min-fresh": junk}).min_fresh is None


def test_response_cache_control_setters_call_on_update() -> None:
    calls: list[object] = []
    cc = ResponseCacheControl(on_update=calls.append)
    cc.max_age = 30
    cc.public = True
    cc.no_cache = True
    cc.private = "set-cookie"
    cc.s_maxage = "5"
    cc.immutable = True
    cc.must_understand = True
    cc.stale_while_revalidate = 10
    assert len(calls) == 8
    assert cc.max_age == 30 and cc["max-age"] == "30"
    assert cc.no_cache is True and cc.private == "set-cookie"
    assert cc.to_header() == (
        "max-age=30, public, no-cache, private=set-cookie, s-maxage=5, immutable,"
        " must-understand, stale-while-revalidate=10"
    )
    assert str(cc) == cc.to_header()
    cc.max_age = None
    cc.public = False
    del cc.immutable
    cc.private = False
    assert "max-age" not in cc and "public" not in cc and "immutable" not in cc
    assert cc.private is None
    with pytest.raises(ValueError):
        cc.max_age = "junk"
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        cc.no_cache = "x\r\nSet-Cookie: a=b"
    assert repr(ResponseCacheControl({"b": "1", "a": None})) == (
        "<ResponseCacheControl a=None b='1'>"
    )


def test_cache_control_parsed_no_cache_field_and_flags() -> None:
    cc = ResponseCacheControl({"no-cache": "Set-Cookie", "must-revalidate": None})
    assert cc.no_cache == "Set-Cookie"
    assert cc.must_revalidate is True and cc.proxy_revalidate is False
    assert cc.no_transform is False and cc.stale_if_error is None
    assert cc.to_header() == "no-cache=Set-Cookie, must-revalidate"


def test_content_security_policy() -> None:
    calls: list[object] = []
    csp = ContentSecurityPolicy(on_update=calls.append)
    csp.default_src = "'self'"
    csp.img_src = "*"
    assert csp.to_header() == "default-src 'self'; img-src *"
    csp.img_src = None
    del csp.default_src
    assert csp.to_header() == "" and len(calls) == 4
    assert csp.script_src is None


# ---------------------------------------------------------------------------
# ETags, ranges
# ---------------------------------------------------------------------------


def test_etags() -> None:
    e = ETags(["a", "b"], ["w"])
    assert "a" in e and "w" not in e
    assert e.contains_weak("w") and e.is_weak("w") and e.is_strong("a")
    assert e.contains_raw('"a"') and e.contains_raw('W/"w"') and not e.contains_raw('"w"')
    assert not e.contains_raw("")
    assert e.as_set() == {"a", "b"} and e.as_set(include_weak=True) == {"a", "b", "w"}
    assert len(e) == 2 and sorted(e) == ["a", "b"] and bool(e)
    assert e("a") and not e("w") and e("w", include_weak=True)
    assert ETags([hashlib.sha1(b"data").hexdigest()])(data=b"data")
    with pytest.raises(TypeError):
        e()
    assert 'W/"w"' in e.to_header() and '"a"' in e.to_header()
    star = ETags(["ignored"], star_tag=True)
    assert star.to_header() == "*" and "anything" in star and len(star) == 0
    assert not ETags() and str(ETags(["x"])) == '"x"'
    assert repr(ETags(["x"])) == "<ETags '\"x\"'>"


def test_if_range() -> None:
    assert IfRange(etag="abc").to_header() == '"abc"'
    assert IfRange().to_header() == ""
    dt = datetime(2020, 1, 2, 3, 4, 5)
    assert IfRange(date=dt).to_header() == "Thu, 02 Jan 2020 03:04:05 GMT"
    aware = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert str(IfRange(date=aware)) == "Thu, 02 Jan 2020 03:04:05 GMT"
    assert IfRange(date=date(2020, 1, 2)).to_header() == "Thu, 02 Jan 2020 00:00:00 GMT"  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        IfRange(etag='a"b').to_header()


def test_range() -> None:
    r = Range("bytes", [(0, 500)])
    assert r.to_header() == "bytes=0-499"
    assert r.range_for_length(1000) == (0, 500)
    assert r.range_for_length(100) == (0, 100)
    assert r.range_for_length(None) is None
    assert r.to_content_range_header(1000) == "bytes 0-499/1000"
    cr = r.make_content_range(1000)
    assert cr is not None and cr.to_header() == "bytes 0-499/1000"
    suffix = Range("bytes", [(-200, None)])
    assert suffix.to_header() == "bytes=-200"
    assert suffix.range_for_length(1000) == (800, 1000)
    assert Range("bytes", [(10, None)]).to_header() == "bytes=10-"
    assert Range("bytes", [(0, 1), (5, 6)]).range_for_length(10) is None
    assert Range("items", [(0, 1)]).range_for_length(10) is None
    assert Range("bytes", [(2000, None)]).make_content_range(1000) is None
    assert str(r) == "bytes=0-499" and repr(r) == "<Range 'bytes=0-499'>"


@pytest.mark.parametrize("ranges", [[(5, 2)], [(5, 5)], [(-1, 4)], [(None, 4)], [("a", None)]])
def test_range_rejects_invalid(ranges: list) -> None:
    with pytest.raises(ValueError):
        Range("bytes", ranges)


def test_content_range() -> None:
    calls: list[ContentRange] = []
    cr = ContentRange("bytes", 0, 10, 100, on_update=calls.append)
    assert cr.to_header() == "bytes 0-9/100" and bool(cr)
    assert len(calls) == 1
    cr.stop = 20
    cr.length = None
    assert cr.to_header() == "bytes 0-19/*" and len(calls) == 3
    cr.set(None, None, 50)
    assert cr.to_header() == "bytes */50"
    cr.unset()
    assert cr.to_header() == "" and not cr and cr.units is None
    with pytest.raises(ValueError):
        cr.set(10, 5, 100)
    with pytest.raises(ValueError):
        ContentRange("bytes", 0, None)
    with pytest.raises(ValueError):
        ContentRange("bytes", 200, 300, 100)
    assert repr(ContentRange("bytes", 0, 1, 2)) == "<ContentRange 'bytes 0-0/2'>"


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def test_file_storage_attributes_and_proxy() -> None:
    fs = FileStorage(
        io.BytesIO(b"line1\nline2\n"),
        filename="a.txt",
        name="upload",
        content_type="Text/HTML; charset=utf-8",
        content_length=12,
    )
    assert fs.filename == "a.txt" and fs.name == "upload"
    assert fs.content_type == "Text/HTML; charset=utf-8"
    assert fs.mimetype == "text/html"
    assert fs.mimetype_params == {"charset": "utf-8"}
    assert fs.content_length == 12
    assert fs.headers["content-length"] == "12"
    assert bool(fs)
    assert fs.readline() == b"line1\n"  # proxied to the stream
    assert list(fs) == [b"line2\n"]
    fs.seek(0)
    assert fs.read() == b"line1\nline2\n"
    assert repr(fs) == "<FileStorage: 'a.txt' ('Text/HTML; charset=utf-8')>"
    with pytest.raises(AttributeError):
        fs.no_such_attribute  # noqa: B018
    fs.close()
    assert fs.closed
    fs.close()  # closing twice is fine


def test_file_storage_defaults_and_stream_name() -> None:
    empty = FileStorage()
    assert not empty and empty.filename is None and empty.read() == b""
    assert empty.content_type is None and empty.content_length == 0
    assert empty.mimetype == "" and empty.mimetype_params == {}
    named = io.BytesIO(b"x")
    named.name = "from_stream.bin"  # type: ignore[attr-defined]
    assert FileStorage(named).filename == "from_stream.bin"
    pseudo = io.BytesIO()
    pseudo.name = "<stdin>"  # type: ignore[attr-defined]
    assert FileStorage(pseudo).filename is None
    fd_named = io.BytesIO()
    fd_named.name = 3  # type: ignore[attr-defined]
    assert FileStorage(fd_named).filename is None
    bad_len = FileStorage(headers=Headers([("Content-Length", "12abc")]))
    assert bad_len.content_length == 0
    quoted = FileStorage(content_type="multipart/form-data; boundary=\"a;b\"; x*=UTF-8''%C3%A4")
    assert quoted.mimetype_params == {"boundary": "a;b", "x": "ä"}
    assert copy.copy(quoted).mimetype == "multipart/form-data"


def test_file_storage_rejects_header_injection() -> None:
    with pytest.raises(ValueError):
        FileStorage(content_type="text/plain\r\nX-Evil: 1")


def test_file_storage_hostile_content_type_is_linear() -> None:
    def content_type(n: int) -> str:
        return "text/plain;" + "a=" + " " * n + "x" + ";b" * n

    assert FileStorage(content_type=content_type(50_000)).mimetype == "text/plain"
    assert_linear(lambda value: FileStorage(content_type=value).mimetype, content_type, 1_000)


def test_file_storage_save(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytes(range(256)) * 1000
    fs = FileStorage(io.BytesIO(data), filename="blob.bin")
    target = tmp_path / "out.bin"
    fs.save(target, buffer_size=1000)
    assert target.read_bytes() == data
    fs.stream.seek(0)
    fs.save(str(tmp_path / "out2.bin"))
    assert (tmp_path / "out2.bin").read_bytes() == data
    fs.stream.seek(0)
    buf = io.BytesIO()
    fs.save(buf)
    assert buf.getvalue() == data and not buf.closed
    with pytest.raises(ValueError):
        fs.save(io.BytesIO(), buffer_size=0)


def test_file_multi_dict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pic.png"
    path.write_bytes(b"\x89PNG")
    fmd = FileMultiDict()
    fmd.add_file("img", str(path))
    fmd.add_file("raw", io.BytesIO(b"abc"), filename="data.unknownext")
    fmd.add_file("anon", io.BytesIO(b"abc"))
    existing = FileStorage(io.BytesIO(b"z"), filename="z.txt")
    fmd.add_file("img", existing)
    img = fmd.getlist("img")
    assert img[0].filename == str(path) and img[0].content_type == "image/png"
    assert img[0].read() == b"\x89PNG"
    img[0].close()
    assert img[1] is existing
    assert fmd["raw"].content_type == "application/octet-stream"
    assert fmd["anon"].content_type is None and fmd["anon"].name == "anon"


# ---------------------------------------------------------------------------
# Module surface
# ---------------------------------------------------------------------------


def test_public_names_match_werkzeug_surface() -> None:
    for name in ds.__all__:
        obj = getattr(ds, name)
        assert obj.__doc__, f"{name} has no docstring"


SUBMODULES = (
    "accept",
    "auth",
    "cache_control",
    "csp",
    "etag",
    "file_storage",
    "headers",
    "mixins",
    "range",
    "structures",
)


def test_package_does_not_import_flask_or_werkzeug() -> None:
    for name in ("__init__", *SUBMODULES):
        with open(f"{os.path.dirname(ds.__file__)}/{name}.py", encoding="utf-8") as f:
            source = f.read()
        assert "import werkzeug" not in source and "from werkzeug" not in source
        assert "import flask" not in source and "from flask" not in source


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_have_werkzeugs_public_names(name: str) -> None:
    werkzeug_module = importlib.import_module(f"werkzeug.datastructures.{name}")
    erlen_module = importlib.import_module(f"erlen.datastructures.{name}")
    werkzeug_names = {
        n
        for n, obj in vars(werkzeug_module).items()
        if not n.startswith("_")
        and getattr(obj, "__module__", None) == werkzeug_module.__name__
        and (isinstance(obj, type) or callable(obj))
    }
    assert werkzeug_names
    missing = {n for n in werkzeug_names if not hasattr(erlen_module, n)}
    assert not missing
    for n in werkzeug_names:
        assert getattr(ds, n) is getattr(erlen_module, n)
