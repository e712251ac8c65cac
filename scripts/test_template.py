"""Checks of template.yaml that cfn-lint does not make.

cfn-lint 1.58 validates resource schemas, but it does not look inside
AWS::Serverless::Function for the runtime or the SQS event's response types, and it
does not check how the worker's timeout, its lease and the queue's visibility
timeout must relate. Run with the venv that local/lib.sh builds:

    ~/.cache/docsum/venv/bin/python scripts/test_template.py
"""

import json
import pathlib
import re
import tomllib
import unittest

from cfnlint.decode import cfn_yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = cfn_yaml.load(str(ROOT / "template.yaml"))
RESOURCES = TEMPLATE["Resources"]
GLOBALS = TEMPLATE.get("Globals", {}).get("Function", {})

# Environment variables whose values are secrets.
SECRET_VARIABLES = {"DATABASE_URL", "MONGODB_URL", "AMQP_URL", "JWT_SIGNING_KEY"}
SECRET_REFERENCE = re.compile(r"^\{\{resolve:(secretsmanager|ssm-secure):(\$\{\w+\}|[\w/.-]+)\}\}$")

# Every route of the API, read from the OpenAPI description the code generates, with
# the binary that serves it; the web page's routes are not part of the API.
OPENAPI = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
BINARY_BY_PREFIX = [
    ("/api/v1/auth/register", "register"),
    ("/api/v1/auth/", "login"),
    ("/api/v1/users/", "users"),
    ("/.well-known/", "users"),
    ("/api/v1/openapi.json", "users"),
    ("/api/v1/summarize", "summarize-fn"),
    ("/api/v1/docs", "summarize-fn"),
]


def binary_for(path):
    return next(binary for prefix, binary in BINARY_BY_PREFIX if path.startswith(prefix))


ROUTES = {
    (method.upper(), path): binary_for(path) for path, item in OPENAPI["paths"].items() for method in item
}
ROUTES.update({(method, path): "web" for method in ("GET", "HEAD") for path in ("/", "/app/{file}")})


def functions():
    return {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}


def prop(function, name):
    """Returns a function property, falling back to the template's Globals."""
    return function["Properties"].get(name, GLOBALS.get(name))


def binary(function):
    return function["Metadata"]["BuildProperties"]["Binary"]


def function_with_binary(name):
    matches = [f for f in functions().values() if binary(f) == name]
    assert len(matches) == 1, f"{len(matches)} functions build {name}"
    return matches[0]


def environment(function):
    variables = dict(GLOBALS.get("Environment", {}).get("Variables", {}))
    variables.update(function["Properties"].get("Environment", {}).get("Variables", {}))
    return variables


def workspace_binaries():
    """Returns the binary names of the crates under functions/."""
    names = set()
    for manifest in (ROOT / "functions").glob("*/Cargo.toml"):
        crate = tomllib.loads(manifest.read_text())
        bins = crate.get("bin")
        names.update(b["name"] for b in bins) if bins else names.add(crate["package"]["name"])
    return names


def references(value):
    """Yields the names of every Ref and Fn::Sub ${...} inside a value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                yield inner
            elif key == "Fn::Sub":
                text = inner if isinstance(inner, str) else inner[0]
                yield from re.findall(r"\$\{([^}!.]+)", text)
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


class FunctionTest(unittest.TestCase):
    def test_every_function_runs_on_al2023_x86_64(self):
        for name, function in functions().items():
            with self.subTest(function=name):
                self.assertEqual(prop(function, "Runtime"), "provided.al2023")
                self.assertEqual(list(prop(function, "Architectures")), ["x86_64"])
                self.assertEqual(prop(function, "Handler"), "bootstrap")
                self.assertEqual(function["Metadata"]["BuildMethod"], "rust-cargolambda")

    def test_every_workspace_function_is_deployed(self):
        deployed = {binary(f) for f in functions().values()}
        self.assertEqual(deployed, workspace_binaries())

    def test_every_route_reaches_its_function(self):
        served = {}
        for function in functions().values():
            for event in function["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    key = (event["Properties"]["Method"], event["Properties"]["Path"])
                    served[key] = binary(function)
        self.assertEqual(served, ROUTES)

    def test_each_function_has_its_own_role(self):
        roles = [function["Properties"]["Role"]["Fn::GetAtt"][0] for function in functions().values()]
        self.assertEqual(len(roles), len(set(roles)), roles)

    def test_no_policy_grants_everything(self):
        for name, resource in RESOURCES.items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            self.assertNotIn("ManagedPolicyArns", resource["Properties"], name)
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    with self.subTest(role=name, action=statement["Action"]):
                        actions = statement["Action"]
                        actions = actions if isinstance(actions, list) else [actions]
                        self.assertFalse(any("*" in action for action in actions))
                        self.assertNotEqual(statement["Resource"], "*")

    def test_cleanup_runs_on_a_schedule(self):
        events = function_with_binary("cleanup")["Properties"]["Events"].values()
        self.assertTrue(any(event["Type"] in ("Schedule", "ScheduleV2") for event in events))


class QueueTest(unittest.TestCase):
    def setUp(self):
        self.worker = function_with_binary("worker")
        self.queue = RESOURCES["JobQueue"]["Properties"]
        self.dead_letter = RESOURCES["JobDeadLetterQueue"]["Properties"]

    def sqs_event(self):
        events = [e for e in self.worker["Properties"]["Events"].values() if e["Type"] == "SQS"]
        self.assertEqual(len(events), 1)
        return events[0]["Properties"]

    def test_worker_reports_batch_item_failures(self):
        self.assertIn("ReportBatchItemFailures", self.sqs_event()["FunctionResponseTypes"])

    def test_worker_reads_the_job_queue(self):
        self.assertEqual(self.sqs_event()["Queue"], {"Fn::GetAtt": ["JobQueue", "Arn"]})

    def test_visibility_timeout_is_six_worker_timeouts(self):
        self.assertGreaterEqual(self.queue["VisibilityTimeout"], 6 * prop(self.worker, "Timeout"))

    def test_lease_lies_between_timeout_and_visibility(self):
        lease = int(environment(self.worker)["JOB_LEASE_SECONDS"])
        self.assertGreater(lease, prop(self.worker, "Timeout"))
        self.assertLess(lease, self.queue["VisibilityTimeout"])

    def test_dead_letter_queue_takes_repeated_failures(self):
        redrive = self.queue["RedrivePolicy"]
        self.assertEqual(redrive["deadLetterTargetArn"], {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]})
        self.assertGreaterEqual(redrive["maxReceiveCount"], 5)

    def test_dead_letter_queue_keeps_messages_longer(self):
        self.assertGreater(self.dead_letter["MessageRetentionPeriod"], self.queue["MessageRetentionPeriod"])

    def test_cleanup_reads_the_dead_letter_queue(self):
        variables = environment(function_with_binary("cleanup"))
        self.assertEqual(variables["SQS_DEAD_LETTER_QUEUE_URL"], {"Ref": "JobDeadLetterQueue"})

    def test_only_cleanup_may_read_dead_letters(self):
        dead_letter_arn = {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}
        cleanup_role = prop(function_with_binary("cleanup"), "Role")["Fn::GetAtt"][0]
        granted = {}
        for name, resource in RESOURCES.items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    if statement["Resource"] != dead_letter_arn:
                        continue
                    actions = statement["Action"]
                    granted.setdefault(name, set()).update(actions if isinstance(actions, list) else [actions])
        self.assertEqual(granted, {cleanup_role: {"sqs:ReceiveMessage", "sqs:DeleteMessage"}})

    def test_dead_letter_visibility_outlasts_a_cleanup_run(self):
        self.assertGreater(self.dead_letter["VisibilityTimeout"], prop(function_with_binary("cleanup"), "Timeout"))

    def test_publishers_use_sqs(self):
        for name in ("summarize-fn", "cleanup"):
            with self.subTest(function=name):
                variables = environment(function_with_binary(name))
                self.assertEqual(variables["JOB_QUEUE_KIND"], "sqs")
                self.assertEqual(variables["SQS_QUEUE_URL"], {"Ref": "JobQueue"})


class SecretTest(unittest.TestCase):
    def test_secret_variables_are_dynamic_references(self):
        for name, function in functions().items():
            for variable, value in environment(function).items():
                if variable not in SECRET_VARIABLES:
                    continue
                with self.subTest(function=name, variable=variable):
                    self.assertIsInstance(value, dict, "a secret must not be written in the template")
                    self.assertEqual(list(value), ["Fn::Sub"])
                    self.assertRegex(value["Fn::Sub"], SECRET_REFERENCE)

    def test_no_parameter_carries_a_secret_value(self):
        # A parameter may name where a secret is, but its value must never reach a
        # function except inside a dynamic reference.
        for function_name, function in functions().items():
            for variable, value in environment(function).items():
                if variable in SECRET_VARIABLES:
                    continue
                for name in references(value):
                    parameter = TEMPLATE["Parameters"].get(name)
                    if parameter is None:
                        continue
                    with self.subTest(function=function_name, variable=variable, parameter=name):
                        self.assertNotRegex(name, r"(?i)secret|password|signing")
        for name, parameter in TEMPLATE["Parameters"].items():
            with self.subTest(parameter=name):
                self.assertNotIn("NoEcho", parameter, "a NoEcho parameter means a secret passed at deploy time")
                if re.search(r"(?i)secret", name):
                    self.assertTrue(
                        parameter["Default"].startswith("docsum/"), "a secret parameter holds a secret's name"
                    )


class OutputTest(unittest.TestCase):
    def test_outputs_name_api_and_queues(self):
        outputs = TEMPLATE["Outputs"]
        self.assertEqual(outputs["JobQueueUrl"]["Value"], {"Ref": "JobQueue"})
        self.assertEqual(outputs["JobDeadLetterQueueUrl"]["Value"], {"Ref": "JobDeadLetterQueue"})
        self.assertIn("${Api}", outputs["ApiUrl"]["Value"]["Fn::Sub"])


if __name__ == "__main__":
    unittest.main()
