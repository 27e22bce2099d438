"""Karpenter's interruption queue: an SQS queue fed by EventBridge rules.

EC2 announces Spot interruptions, rebalance recommendations and instance state changes,
and AWS Health announces scheduled maintenance, as EventBridge events. Four rules send
them to the queue, where Karpenter reads them to drain a node before it goes away.
"""

import json

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import ENGINE_TAG, resource_tags, tag_list

# Karpenter reads an event well within five minutes, and an older one is stale anyway.
MESSAGE_RETENTION_SECONDS = 300
TARGET_ID = "KarpenterInterruptionQueueTarget"
# Rule key: (event source, detail type).
INTERRUPTION_RULES = {
    "spot-interruption": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "instance-state-change": ("aws.ec2", "EC2 Instance State-change Notification"),
    "scheduled-change": ("aws.health", "AWS Health Event"),
}
MISSING_QUEUE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


def name_prefix(engine) -> str:
    """Return the prefix of the queue's and rules' names; the trailing dash keeps eng-1 apart from eng-12."""
    return f"aichor-{engine.tag_value}-"


def queue_name(engine) -> str:
    return f"{name_prefix(engine)}interruption"


def rule_name(engine, key: str) -> str:
    return f"{name_prefix(engine)}{key}"


def rule_resource_key(key: str) -> str:
    return f"interruption-rule-{key}"


def queue_arn(context, name: str) -> str:
    cloud = context.cloud
    return f"arn:{cloud.partition}:sqs:{cloud.region}:{cloud.account_id}:{name}"


def queue_policy(arn: str) -> dict:
    """Return the queue policy: EventBridge (and SQS itself) may send messages to it."""
    return {
        "Version": "2012-10-17",
        "Id": "EC2InterruptionPolicy",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
            "Action": "sqs:SendMessage",
            "Resource": arn,
        }],
    }


def _desired_attributes(arn: str) -> dict[str, str]:
    return {
        "MessageRetentionPeriod": str(MESSAGE_RETENTION_SECONDS),
        "SqsManagedSseEnabled": "true",
        "Policy": json.dumps(queue_policy(arn)),
    }


def _differs(current: str | None, desired: str, name: str) -> bool:
    if current is None:
        return True
    if name == "Policy":
        return json.loads(current) != json.loads(desired)
    return current.lower() != desired.lower()


def create_interruption_queue(context):
    sqs = context.cloud.client("sqs")
    name = queue_name(context.engine)
    arn = queue_arn(context, name)
    desired = _desired_attributes(arn)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in MISSING_QUEUE_CODES:
            raise
        url = sqs.create_queue(QueueName=name, Attributes=desired, tags=resource_tags(context, "interruption-queue"))[
            "QueueUrl"
        ]
    else:
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        if tags.get(ENGINE_TAG) != context.engine.tag_value:
            raise PermanentError(
                f"SQS queue {name} exists but was not created for this engine.",
                code="QueueAlreadyExists",
                fix="Delete that queue in the account, then retry.",
            )
        context.log(f"Adopted SQS queue {name}")
    context.record("interruption-queue", "sqs_queue", arn, data={"name": name, "url": url})

    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(desired))["Attributes"]
    changed = {key: value for key, value in desired.items() if _differs(current.get(key), value, key)}
    if changed:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=changed)
    return Done(name)


def create_interruption_rules(context):
    events = context.cloud.client("events")
    target_arn = context.cloud_id("interruption-queue")
    for key, (source, detail_type) in INTERRUPTION_RULES.items():
        name = rule_name(context.engine, key)
        pattern = {"source": [source], "detail-type": [detail_type]}
        try:
            rule = events.describe_rule(Name=name)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            arn = events.put_rule(
                Name=name,
                EventPattern=json.dumps(pattern),
                State="ENABLED",
                Description=f"Sends {detail_type} events to Karpenter's interruption queue of {context.engine.name}.",
                Tags=tag_list(resource_tags(context, rule_resource_key(key))),
            )["RuleArn"]
            targets = []
        else:
            arn = rule["Arn"]
            _require_engine_tag(context, events, name, arn)
            if json.loads(rule.get("EventPattern") or "{}") != pattern or rule.get("State") != "ENABLED":
                events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
            targets = events.list_targets_by_rule(Rule=name)["Targets"]
        context.record(rule_resource_key(key), "event_rule", arn, data={"name": name, "detail_type": detail_type})

        if not any(target["Id"] == TARGET_ID and target["Arn"] == target_arn for target in targets):
            events.put_targets(Rule=name, Targets=[{"Id": TARGET_ID, "Arn": target_arn}])
    return Done(f"{len(INTERRUPTION_RULES)} rules send interruption events to the queue")


def _require_engine_tag(context, events, name: str, arn: str) -> None:
    tags = {tag["Key"]: tag["Value"] for tag in events.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    if tags.get(ENGINE_TAG) != context.engine.tag_value:
        raise PermanentError(
            f"EventBridge rule {name} exists but was not created for this engine.",
            code="RuleAlreadyExists",
            fix="Delete that rule in the account, then retry.",
        )


def delete_queue(context, resource) -> None:
    sqs = context.cloud.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=resource.data.get("name") or resource.cloud_id.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
    except ClientError as error:
        if error_code(error) not in MISSING_QUEUE_CODES:
            raise


def delete_rule(context, resource) -> None:
    events = context.cloud.client("events")
    name = resource.data.get("name") or resource.cloud_id.rsplit("/", 1)[-1]
    try:
        targets = [target["Id"] for target in events.list_targets_by_rule(Rule=name)["Targets"]]
        if targets:
            events.remove_targets(Rule=name, Ids=targets)
        events.delete_rule(Name=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise


def sweep(context, found) -> list[str]:
    """Delete the queue and rules tagged with the engine that the inventory missed; return their names."""
    swept = []
    sqs = context.cloud.client("sqs")
    for url in sqs.list_queues(QueueNamePrefix=name_prefix(context.engine)).get("QueueUrls", []):
        if sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(ENGINE_TAG) == context.engine.tag_value:
            name = url.rsplit("/", 1)[-1]
            delete_queue(context, found("", name=name))
            swept.append(name)
    events = context.cloud.client("events")
    for rule in events.list_rules(NamePrefix=name_prefix(context.engine))["Rules"]:
        tags = {tag["Key"]: tag["Value"] for tag in events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]}
        if tags.get(ENGINE_TAG) == context.engine.tag_value:
            delete_rule(context, found(rule["Arn"], name=rule["Name"]))
            swept.append(rule["Name"])
    return swept
