"""The receipt clock (Artikel 4, II.3.2, III.3.2): server time, Dutch calendar day, total order."""

from imvo.intake.receipt import Receipt, format_dutch_for_people


def test_dutch_day_differs_from_utc_day_late_in_the_evening():
    # 2023-03-15 23:30:00.000 UTC is already 16 March 00:30 in Amsterdam (CET, UTC+1).
    receipt = Receipt(epoch_ms=1678923000000, request_id="a")
    assert receipt.received_utc.date().isoformat() == "2023-03-15"
    assert receipt.dutch_day == "2023-03-16"
    assert receipt.as_dict()["receivedAtDutch"] == "2023-03-16T00:30:00.000+01:00"


def test_summer_time_offset_is_two_hours():
    # 2023-07-01 22:15:00.123 UTC = 2 July 00:15:00.123 CEST (UTC+2)
    receipt = Receipt(epoch_ms=1688249700123, request_id="a")
    assert receipt.dutch_day == "2023-07-02"
    assert receipt.as_dict()["receivedAt"] == "2023-07-01T22:15:00.123Z"
    assert receipt.as_dict()["receivedAtDutch"] == "2023-07-02T00:15:00.123+02:00"


def test_order_is_time_first_then_request_id():
    early = Receipt(epoch_ms=1000, request_id="zzz")
    tie_a = Receipt(epoch_ms=2000, request_id="aaa")
    tie_b = Receipt(epoch_ms=2000, request_id="bbb")
    assert sorted([tie_b, tie_a, early]) == [early, tie_a, tie_b]


def test_reference_is_stable_and_names_the_dutch_day():
    receipt = Receipt(epoch_ms=1678923000000, request_id="Bq3nLh0xjoEEMzw=")
    assert receipt.reference == Receipt(epoch_ms=1678923000000, request_id="Bq3nLh0xjoEEMzw=").reference
    assert receipt.reference.startswith("IMVO-20230316-")
    assert receipt.reference != Receipt(epoch_ms=1678923000000, request_id="other").reference


def test_people_read_the_time_in_dutch_with_the_zone():
    receipt = Receipt(epoch_ms=1695722400000, request_id="a")
    assert format_dutch_for_people(receipt.received_utc, "nl") == "26 september 2023 om 12:00:00,000 (CEST)"
    assert format_dutch_for_people(receipt.received_utc, "en") == "26 September 2023 at 12:00:00.000 (CEST)"
