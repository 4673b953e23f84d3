"""The admission policy of external-secrets objects: a tenant reads and writes only its own keys,
in its own environment, through the environment's store.

The external-secrets chart aggregates ExternalSecret, PushSecret, SecretStore and generator
writes into `edit`, so a team with `edit` could otherwise point an ExternalSecret at the
platform's ClusterSecretStore and read any key in it, or create a SecretStore of its own that
authenticates as the controller. Here every ExternalSecret and PushSecret names the
environment's ClusterSecretStore and keys below `<prefix>` (platform.yaml
`secrets.keyTemplate` for this tenant and environment), a `find` lists under that prefix only,
SecretStores are refused, and of the generators only those that make values locally
(Password, UUID) are allowed, because the others call out with credentials or from the
controller's network.
"""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import TENANT_LABEL, cel_list, check, lit, policy

GROUP = "external-secrets.io"
GENERATORS = "generators.external-secrets.io"
LOCAL_GENERATORS = ["Password", "UUID"]  # values made in the controller, no call out
# A key: its characters as `berth validate` allows them, no '.' or '..' segment, no '//'.
_KEY_CHARS = "^[A-Za-z0-9_./-]+$"
_DOT_SEGMENT = "(^|/)[.][.]?(/|$)"


def _key_ok(key: str) -> str:
    return (
        f"{key}.startsWith(variables.prefix) && {key}.matches({lit(_KEY_CHARS)})"
        f" && !{key}.matches({lit(_DOT_SEGMENT)}) && !{key}.contains('//')"
    )


def _store_ok(ref: str, store: str) -> str:
    """`ref` (a store reference) names the environment's ClusterSecretStore, and no other way."""
    return (
        f"has({ref}.kind) && {ref}.kind == 'ClusterSecretStore' && has({ref}.name)"
        f" && {ref}.name == {lit(store)} && !has({ref}.labelSelector)"
    )


def _generator_ok(ref: str) -> str:
    return f"has({ref}.kind) && {ref}.kind in {cel_list(LOCAL_GENERATORS)}"


def _list(path: str) -> str:
    return f"(has(object.spec.{path}) ? object.spec.{path} : [])"


def secrets_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    store = platform.spec.secret_store(environment)
    before, _, after = platform.spec.secrets.keyTemplate.removesuffix("{key}").partition("{tenant}")
    before, after = (part.format(environment=environment.name) for part in (before, after))
    not_es = "object.kind != 'ExternalSecret'"
    is_push = "object.kind == 'PushSecret'"
    source_refs = "variables.entries.filter(e, has(e.sourceRef)).map(e, e.sourceRef)"
    variables = [
        {"name": "tenant", "expression": f"namespaceObject.metadata.labels[{lit(TENANT_LABEL)}]"},
        {"name": "prefix", "expression": f"{lit(before)} + variables.tenant + {lit(after)}"},
        {"name": "data", "expression": _list("data")},
        {"name": "entries", "expression": f"variables.data + {_list('dataFrom')}"},
        {
            # Every remote key the object names: data[].remoteRef.key (ExternalSecret),
            # data[].match.remoteRef.remoteKey (PushSecret), dataFrom[].extract.key, find.path.
            "name": "keys",
            "expression": f"{is_push}"
            " ? variables.data.filter(d, has(d.match) && has(d.match.remoteRef))"
            ".map(d, has(d.match.remoteRef.remoteKey) ? d.match.remoteRef.remoteKey : '')"
            " : variables.data.filter(d, has(d.remoteRef))"
            ".map(d, has(d.remoteRef.key) ? d.remoteRef.key : '')"
            " + variables.entries.filter(e, has(e.extract))"
            ".map(e, has(e.extract.key) ? e.extract.key : '')"
            " + variables.entries.filter(e, has(e.find) && has(e.find.path))"
            ".map(e, e.find.path)",
        },
        {"name": "outside", "expression": f"variables.keys.filter(k, !({_key_ok('k')}))"},
        {
            "name": "stores",  # every store reference besides spec.secretStoreRef
            "expression": f"{is_push} ? {_list('secretStoreRefs')}"
            f" : {source_refs}.filter(s, has(s.storeRef)).map(s, s.storeRef)",
        },
        {
            "name": "generators",
            "expression": f"{source_refs}.filter(s, has(s.generatorRef)).map(s, s.generatorRef)"
            " + (has(object.spec.selector) && has(object.spec.selector.generatorRef)"
            " ? [object.spec.selector.generatorRef] : [])",
        },
    ]
    allowed_store = f"{{kind: ClusterSecretStore, name: {store}}}"
    keys_text = (
        f'"\' is outside the keys of tenant " + variables.tenant + " in {environment.name}: keys'
        " must start with \" + variables.prefix + \" (no '.' or '..' segments, no '//')\""
    )
    validations = [
        check(
            "secret-store",
            "object.kind != 'SecretStore'",
            lit(
                "a SecretStore of a tenant's own is not allowed (it would authenticate as the"
                f" controller); ExternalSecrets read through {allowed_store}"
            ),
        ),
        check(
            "secret-store",
            f"{not_es} || !has(object.spec.secretStoreRef)"
            f" || ({_store_ok('object.spec.secretStoreRef', store)})",
            lit(f"secretStoreRef must be {allowed_store}, the store of {environment.name}"),
        ),
        check(
            "secret-store",
            f"variables.stores.all(s, {_store_ok('s', store)})",
            lit(
                f"every store reference must be {allowed_store}, the store of {environment.name},"
                " named (no labelSelector)"
            ),
        ),
        check(
            "secret-key",
            "size(variables.outside) == 0",
            f'"\'" + variables.outside[0] + {keys_text}',
        ),
        check(
            "secret-key",
            f"{not_es} || variables.entries.all(e, !has(e.find)"
            " || (has(e.find.path) && !has(e.find.name)))",
            "'dataFrom[].find needs a path, under ' + variables.prefix + ', and no name"
            " (a name regexp may match keys outside the path)'",
        ),
        check(
            "secret-generator",
            f"variables.generators.all(g, {_generator_ok('g')})"
            f" && !object.apiVersion.startsWith({lit(GENERATORS + '/')})",
            lit(
                f"of the generators only {' and '.join(LOCAL_GENERATORS)} are allowed: the others"
                " call out with credentials or from the controller's network (and"
                " GeneratorStates are the controller's own)"
            ),
        ),
    ]
    rules = [
        {
            "apiGroups": [GROUP],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["externalsecrets", "pushsecrets", "secretstores"],
        },
        {
            "apiGroups": [GENERATORS],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["*"],
        },
    ]
    # Every generator kind but the local ones, present and future, is refused.
    local = [f"{kind.lower()}s" for kind in LOCAL_GENERATORS]
    exclude = [{**rules[1], "resources": local}]
    return policy(platform, environment, "secrets", rules, variables, validations, exclude)
