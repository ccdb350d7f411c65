"""Reading infra/template.yaml: the HTTP routes, their handlers and the functions' environment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from imvo.settings import PROJECT_ROOT

TEMPLATE_PATH = PROJECT_ROOT / "infra" / "template.yaml"
FUNCTIONS_DIR = PROJECT_ROOT / "functions"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !Sub, !GetAtt … as {"Ref": …} style values instead of failing on the tags."""


def _intrinsic(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CloudFormationLoader)


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str  # as in the template: /api/applications/{reference}/supplements
    handler: str  # as in the template: submit/app.handler
    authorizer: str | None  # the HTTP API authorizer in front of it (AdminSignIn), or None for a public route
    timeout_seconds: int = 25

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` fits this route, else None."""
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


def load_handler_of(handler: str):
    """The handler function a template names ("jobs/app.handler"), from its file, as Lambda loads it."""
    import importlib.util

    module_path, name = handler.rsplit(".", 1)
    spec = importlib.util.spec_from_file_location(f"lambda_{module_path.replace('/', '_')}", FUNCTIONS_DIR / f"{module_path}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def function_handler(properties: dict) -> str:
    if properties.get("PackageType") == "Image":
        return properties["ImageConfig"]["Command"][0]
    return properties["Handler"]


def routes(template: dict | None = None) -> list[Route]:
    template = template or load_template()
    default_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    found = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        for event in (properties.get("Events") or {}).values():
            if event["Type"] != "HttpApi":
                continue
            event_properties = event["Properties"]
            authorizer = (event_properties.get("Auth") or {}).get("Authorizer")
            found.append(Route(name, event_properties["Method"].upper(), event_properties["Path"],
                               function_handler(properties), authorizer,
                               int(properties.get("Timeout", default_timeout))))
    return found


def jwt_authorizer(name: str, template: dict | None = None) -> dict:
    """The JwtConfiguration of one of the HTTP API's authorizers (issuer and audience, as intrinsics)."""
    template = template or load_template()
    return template["Resources"]["HttpApi"]["Properties"]["Auth"]["Authorizers"][name]


def function_environment_names(template: dict | None = None) -> dict[str, set[str]]:
    """Per function, the environment variable names it gets (Globals plus its own)."""
    template = template or load_template()
    global_vars = set(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    names = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            own = resource["Properties"].get("Environment", {}).get("Variables", {})
            names[name] = global_vars | set(own)
    return names


def security_headers(uploads_origin: str, template: dict | None = None) -> dict[str, str]:
    """The response headers CloudFront's SecurityHeadersPolicy adds, for the local server to send too."""
    template = template or load_template()
    config = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp = csp["Fn::Sub"] if isinstance(csp, dict) else csp
    csp = re.sub(r"https://\$\{UploadsBucket\.RegionalDomainName\}", uploads_origin, csp)
    hsts = security["StrictTransportSecurity"]
    return {
        "content-security-policy": csp,
        "strict-transport-security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "") + ("; preload" if hsts.get("Preload") else ""),
        "x-content-type-options": "nosniff",
        "x-frame-options": security["FrameOptions"]["FrameOption"],
        "referrer-policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }
