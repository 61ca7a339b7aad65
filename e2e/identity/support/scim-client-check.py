"""The independent SCIM client of Stackyard's SCIM acceptance test (e2e/identity/scim.e2e-spec.ts).

Runs inside the virtualenv scripts/peers/scim2-tester.sh provisions, against a running suite:

  compliance  scim2-tester's check_server (discovery, CRUD, PATCH add/replace/remove of every
              attribute the server publishes, attribute projection, error answers), every result.
  provision   what an identity provider does, through scim2-client's typed API: create a user
              (its userName given: the SAML NameID) and a second one, find the first by userName,
              update it, create a group with the second and add the first.
  deactivate  find the user by userName and set active to false, as an IdP does for a leaver.

Prints one JSON document on stdout. The bearer token comes from the SCIM_TOKEN environment
variable, never the command line (which other processes can read).
"""

import argparse
import json
import os
import platform
import ssl
import sys
from importlib.metadata import version

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp
from scim2_models import PatchOperation
from scim2_models import SearchRequest
from scim2_tester import check_server


def scim_client(base_url: str, ca_file: str) -> SyncSCIMClient:
    token = os.environ["SCIM_TOKEN"]
    # Trust exactly the installation's CA, as an IdP configured with it would.
    context = ssl.create_default_context(cafile=ca_file)
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, verify=context, timeout=60)
    return SyncSCIMClient(http)


def dump(resource) -> dict:
    return resource.model_dump(mode="json", by_alias=True, exclude_none=True)


def compliance(args) -> dict:
    client = scim_client(args.base_url, args.ca_file)
    results = check_server(client)
    return {
        "results": [
            {
                "title": result.title,
                "status": result.status.name,
                "reason": result.reason,
                "resourceType": result.resource_type,
                "tags": sorted(result.tags),
            }
            for result in results
        ]
    }


def provision(args) -> dict:
    """What an IdP does when people and a group are assigned to the application."""
    client = scim_client(args.base_url, args.ca_file)
    client.discover()
    User = client.get_resource_model("User")
    Group = client.get_resource_model("Group")
    steps = {}
    alice = client.create(
        User.model_validate(
            {
                "userName": args.user_name,
                "externalId": "idp-alice",
                "name": {"givenName": "Alice", "familyName": "Provisioned"},
                "displayName": "Alice Provisioned",
                "emails": [{"value": args.user_name, "type": "work", "primary": True}],
                "active": True,
            }
        )
    )
    steps["created"] = dump(alice)
    bob = client.create(User.model_validate({"userName": args.second_user_name, "displayName": "Bob Provisioned", "active": True}))
    steps["createdSecond"] = dump(bob)
    found = client.query(User, query_parameters=SearchRequest(filter=f'userName eq "{args.user_name}"'))
    steps["foundByUserName"] = [dump(resource) for resource in found.resources or []]
    client.modify(
        User,
        alice.id,
        PatchOp[User](operations=[PatchOperation(op=PatchOperation.Op.replace_, path="displayName", value="Alice Updated")]),
    )
    steps["updated"] = dump(client.query(User, alice.id))
    group = client.create(Group.model_validate({"displayName": args.group_name, "members": [{"value": bob.id, "type": "User"}]}))
    steps["groupCreated"] = dump(group)
    client.modify(
        Group,
        group.id,
        PatchOp[Group](operations=[PatchOperation(op=PatchOperation.Op.add, path="members", value=[{"value": alice.id, "type": "User"}])]),
    )
    steps["group"] = dump(client.query(Group, group.id))
    return {"steps": steps}


def deactivate(args) -> dict:
    """What an IdP does when a person is unassigned or leaves: finds them by userName, sets active false."""
    client = scim_client(args.base_url, args.ca_file)
    client.discover()
    User = client.get_resource_model("User")
    found = client.query(User, query_parameters=SearchRequest(filter=f'userName eq "{args.user_name}"'))
    (user,) = found.resources
    client.modify(User, user.id, PatchOp[User](operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=False)]))
    return {"steps": {"deactivated": dump(client.query(User, user.id))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["compliance", "provision", "deactivate"])
    parser.add_argument("--base-url", required=True, help="the organization's SCIM base, https://<api>/scim/v2/<org>")
    parser.add_argument("--ca-file", required=True, help="the installation's CA (PEM)")
    parser.add_argument("--user-name", help="provision, deactivate: the user's userName (their SAML NameID)")
    parser.add_argument("--second-user-name", help="provision: a second user's userName")
    parser.add_argument("--group-name", help="provision: the group's displayName")
    args = parser.parse_args()
    result = {"compliance": compliance, "provision": provision, "deactivate": deactivate}[args.mode](args)
    result["client"] = {
        "scim2-tester": version("scim2-tester"),
        "scim2-client": version("scim2-client"),
        "scim2-models": version("scim2-models"),
        "httpx2": version("httpx2"),
        "python": platform.python_version(),
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
