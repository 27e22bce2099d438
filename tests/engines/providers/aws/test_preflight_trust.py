"""The trust policy check: the portal may assume the role only with this cloud account's ExternalId."""

from engines.choices import CheckResult
from engines.providers.aws.preflight.trust import evaluate_trust

PORTAL = "arn:aws:iam::111122223333:role/aichor-portal"
EXTERNAL_ID = "this-account-external-id-0000000000000"


def trust(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(principal=None, condition=None, action="sts:AssumeRole", effect="Allow", **extra) -> dict:
    found = {"Effect": effect, "Principal": principal or {"AWS": PORTAL}, "Action": action, **extra}
    if condition is not None:
        found["Condition"] = condition
    return found


def requires(*external_ids) -> dict:
    value = external_ids[0] if len(external_ids) == 1 else list(external_ids)
    return {"StringEquals": {"sts:ExternalId": value}}


def test_exact_external_id_passes():
    outcome = evaluate_trust(trust(statement(condition=requires(EXTERNAL_ID))), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.PASS


def test_missing_condition_fails():
    outcome = evaluate_trust(trust(statement(Sid="Portal")), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert "Statement 'Portal' lets the portal assume the role without requiring an ExternalId" in outcome.detail
    assert EXTERNAL_ID in outcome.fix


def test_other_external_id_fails():
    outcome = evaluate_trust(trust(statement(condition=requires("another-organisation-id"))), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert "requires an ExternalId other than this cloud account's" in outcome.detail
    assert "another-organisation-id" not in outcome.detail + outcome.fix


def test_several_external_ids_warn():
    outcome = evaluate_trust(trust(statement(condition=requires(EXTERNAL_ID, "second-id"))), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.WARN
    assert "also accepts 1 other ExternalId(s)" in outcome.detail


def test_string_like_fails():
    condition = {"StringLike": {"sts:ExternalId": "this-account-*"}}

    outcome = evaluate_trust(trust(statement(condition=condition)), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert "StringLike condition on sts:ExternalId is not an exact match" in outcome.detail


def test_condition_key_case_ignored():
    condition = {"StringEquals": {"STS:EXTERNALID": EXTERNAL_ID}}

    outcome = evaluate_trust(trust(statement(condition=condition)), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.PASS


def test_second_open_statement_fails():
    document = trust(
        statement(condition=requires(EXTERNAL_ID)),
        statement(principal={"AWS": "arn:aws:iam::111122223333:root"}),
    )

    outcome = evaluate_trust(document, PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert "Statement #2" in outcome.detail


def test_everyone_principal_counts():
    outcome = evaluate_trust(trust(statement(principal="*")), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL


def test_other_principal_fails():
    document = trust(statement(principal={"AWS": "arn:aws:iam::999999999999:root"}, condition=requires(EXTERNAL_ID)))

    outcome = evaluate_trust(document, PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert f"No statement of the trust policy allows {PORTAL}" in outcome.detail


def test_service_principal_ignored():
    document = trust(
        statement(principal={"Service": "ec2.amazonaws.com"}),
        statement(condition=requires(EXTERNAL_ID)),
    )

    outcome = evaluate_trust(document, PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.PASS


def test_wildcard_action_counts():
    outcome = evaluate_trust(trust(statement(action="sts:*")), PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL


def test_url_encoded_document():
    document = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22" \
        + PORTAL.replace(":", "%3A").replace("/", "%2F") + "%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"

    outcome = evaluate_trust(document, PORTAL, EXTERNAL_ID)

    assert outcome.result == CheckResult.FAIL
    assert "without requiring an ExternalId" in outcome.detail
