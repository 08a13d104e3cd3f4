"""Conformance of the emulator with Zoho's official Python SDK (zohocrmsdk7_0).

Run by run.sh with ZCRM_EMULATOR_URL set. Every step asserts its result; the script exits
non-zero on the first failure. It prints one line per step and a closing "N passed, 0 failed".
"""

import csv
import json
import os
import sys
import tempfile
import time
import urllib.request

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.header_map import HeaderMap
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper, APIException, BodyWrapper, DeleteRecordsParam, GetRecordsParam, Record,
    RecordOperations, ResponseWrapper, SearchRecordsParam, SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

BASE = os.environ["ZCRM_EMULATOR_URL"].rstrip("/")
CLIENT_ID = "1000.ZCRMSELFCLIENT0000000000000001"
CLIENT_SECRET = "3f9a1c7be20d44e6a8b5c0d1e2f3a4b5c6d7e8f901"
USER = "patricia.boyle@zylker.example"
SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ"

passed = 0


def step(name):
    global passed
    passed += 1
    print(f"ok {passed} - {name}", flush=True)


def admin(method, path, body=None):
    req = urllib.request.Request(BASE + "/__emulator" + path, method=method,
                                 data=json.dumps(body or {}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def requests_log():
    return admin("GET", "/requests")["requests"]


def init(token, store, resource_path):
    env = DataCenter.Environment(BASE, BASE + "/oauth/v2/token", BASE)
    config = SDKConfig(auto_refresh_fields=False, pick_list_validation=False)
    Initializer.initialize(environment=env, token=token, store=store, sdk_config=config, resource_path=resource_path)


def get_leads(fields="Last_Name,Email,Lead_Status"):
    params = ParameterMap()
    params.add(GetRecordsParam.fields, fields)
    response = RecordOperations("Leads").get_records(params, HeaderMap())
    assert response is not None, "get_records returned nothing"
    assert response.get_status_code() == 200, response.get_status_code()
    wrapper = response.get_object()
    assert isinstance(wrapper, ResponseWrapper), wrapper
    return wrapper.get_data()


def action(response, expected_status):
    assert response.get_status_code() == expected_status, response.get_status_code()
    wrapper = response.get_object()
    assert isinstance(wrapper, ActionWrapper), wrapper
    results = wrapper.get_data()
    assert len(results) == 1
    result = results[0]
    if isinstance(result, APIException):
        raise AssertionError(f"API error {result.get_code().get_value()}: {result.get_details()}")
    assert isinstance(result, SuccessResponse), result
    return result


def main():
    work = tempfile.mkdtemp(prefix="zcrm-conformance-")
    token_file = os.path.join(work, "sdk_tokens.txt")

    # 1. Initialise with a self-client grant code.
    code = admin("POST", "/grant-codes", {"user": USER, "scopes": SCOPES})["code"]
    init(OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=code), FileStore(token_file), work)
    leads = get_leads()
    names = sorted(r.get_key_value("Last_Name") for r in leads)
    assert names == ["Doe", "Garcia", "Tanaka"], names
    assert all(r.get_id() for r in leads)
    step("initialize with a grant code; get_records on Leads with fields")

    with open(token_file, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "user_name", "client_id", "client_secret", "refresh_token", "access_token",
                       "grant_token", "expiry_time", "redirect_uri", "api_domain"], rows[0]
    assert len(rows) == 2 and rows[1][1] == USER + ":60012345", rows
    token_id = rows[1][0]
    step("the SDK discovered user and org (users?type=CurrentUser, org) and stored one token row")

    # 2. Create, update, search, delete a Lead.
    ops = RecordOperations("Leads")
    body = BodyWrapper()
    rec = Record()
    rec.add_key_value("Last_Name", "Conformance")
    rec.add_key_value("Company", "Python SDK Ltd")
    rec.add_key_value("Email", "conformance@python.example")
    body.set_data([rec])
    created = action(ops.create_records(body, HeaderMap()), 201)
    assert created.get_code().get_value() == "SUCCESS"
    lead_id = str(created.get_details()["id"])
    step("create_records")

    body = BodyWrapper()
    rec = Record()
    rec.set_id(int(lead_id))
    rec.add_key_value("Company", "Renamed Ltd")
    body.set_data([rec])
    updated = action(ops.update_records(body, HeaderMap()), 200)
    assert updated.get_message().get_value() == "record updated"
    step("update_records")

    params = ParameterMap()
    params.add(SearchRecordsParam.criteria, "(Company:equals:Renamed Ltd)")
    found = ops.search_records(params, HeaderMap())
    assert found.get_status_code() == 200, found.get_status_code()
    hits = found.get_object().get_data()
    assert [str(r.get_id()) for r in hits] == [lead_id], [r.get_id() for r in hits]
    assert hits[0].get_key_value("Last_Name") == "Conformance"
    step("search_records by criteria")

    params = ParameterMap()
    params.add(DeleteRecordsParam.ids, lead_id)
    deleted = action(ops.delete_records(params, HeaderMap()), 200)
    assert deleted.get_message().get_value() == "record deleted"
    assert len(get_leads()) == 3
    step("delete_records")

    # 3. An expired access token is refreshed by the SDK.
    admin("POST", "/tokens/expire", {"all": True})
    with open(token_file, newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][7] = str(int(time.time() * 1000))  # the SDK refreshes when expiry is under 5 s away
    with open(token_file, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    admin("DELETE", "/requests")
    assert len(get_leads()) == 3
    log = requests_log()
    refreshes = [e for e in log if e["path"] == "/oauth/v2/token" and e["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1, log
    assert any(e["path"] == "/crm/v7/Leads" and e["status"] == 200 for e in log), log
    step("an expired access token is refreshed through the refresh_token grant")

    # 4. A new initialisation by stored id (the id flow) reuses the stored token.
    admin("DELETE", "/requests")
    init(OAuthToken(id=token_id), FileStore(token_file), work)
    assert len(get_leads()) == 3
    log = requests_log()
    assert not any(e["path"].startswith("/oauth/") for e in log), log
    step("initialize by stored id reuses the stored token")

    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report the failing step and exit non-zero
        import traceback
        traceback.print_exc()
        print(f"{passed} passed, 1 failed")
        sys.exit(1)
