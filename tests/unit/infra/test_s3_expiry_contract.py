"""The expiry rules provisioning sends, checked against AWS S3's own API model (botocore).

The local S3 server implements no lifecycle (docs/decisions/0001-s3-server.md), so the rules
cannot be exercised locally; production's S3 applies them. What is sent must therefore be what
AWS's model defines: parsed with the model's response shape, every element must survive
(an element the model does not know would be dropped), and the result must validate as the
input of PutBucketLifecycleConfiguration.
"""

from __future__ import annotations

import botocore.session
from botocore.parsers import RestXMLParser
from botocore.validate import ParamValidator

from avion_workspace.infra.s3 import expiry_rules_xml

S3 = botocore.session.get_session().get_service_model("s3")


def as_aws_reads_it(body: bytes) -> dict[str, object]:
    shape = S3.operation_model("GetBucketLifecycleConfiguration").output_shape
    parsed = RestXMLParser().parse({"body": body, "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def test_the_expiry_rule_is_one_aws_s3_understands_in_full() -> None:
    body = expiry_rules_xml(14)
    assert as_aws_reads_it(body) == {
        "Rules": [
            {
                "ID": "expire-after-14-days",
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "Expiration": {"Days": 14},
            }
        ]
    }
    report = ParamValidator().validate(
        {"Bucket": "avion-logs", "LifecycleConfiguration": as_aws_reads_it(body)},
        S3.operation_model("PutBucketLifecycleConfiguration").input_shape,
    )
    assert not report.has_errors(), report.generate_report()


def test_an_element_aws_does_not_define_would_be_noticed() -> None:
    body = expiry_rules_xml(30).replace(b"<Days>", b"<Dayz>").replace(b"</Days>", b"</Dayz>")
    assert as_aws_reads_it(body)["Rules"] == [
        {
            "ID": "expire-after-30-days",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Expiration": {},
        }
    ]
