"""The official Python SDK v7 (PyPI zohocrmsdk7-0) listing Leads, for the side-by-side runner.

Run by the runner with its environment:
  ZCRM_BENCH_URL      the emulator's base URL
  ZCRM_BENCH_REFRESH  a refresh token of the self client
  ZCRM_BENCH_FIELDS   the `fields` list
  ZCRM_BENCH_RECORDS  records to list (pages of 200, by page_token)
  ZCRM_BENCH_DIR      a scratch directory (token file, resource path)
  ZCRM_BENCH_CPU      optional: the CPU to run on
Mode `list` prints one JSON line {"records": N, "seconds": S} (the listing alone, after a
warm-up request); mode `first` prints "first page" once the first page has been read.
"""

import json
import os
import sys
import time

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.header_map import HeaderMap
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations, ResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

CLIENT_ID = "1000.ZCRMSELFCLIENT0000000000000001"
CLIENT_SECRET = "3f9a1c7be20d44e6a8b5c0d1e2f3a4b5c6d7e8f901"


def page(fields, per_page, token):
    params = ParameterMap()
    params.add(GetRecordsParam.fields, fields)
    params.add(GetRecordsParam.per_page, per_page)
    if token:
        params.add(GetRecordsParam.page_token, token)
    response = RecordOperations("Leads").get_records(params, HeaderMap())
    wrapper = response.get_object()
    if not isinstance(wrapper, ResponseWrapper):
        raise SystemExit(f"unexpected answer: status {response.get_status_code()}, {wrapper!r}")
    return wrapper


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "list"
    cpu = os.environ.get("ZCRM_BENCH_CPU")
    if cpu:
        os.sched_setaffinity(0, {int(cpu)})
    base = os.environ["ZCRM_BENCH_URL"].rstrip("/")
    scratch = os.environ["ZCRM_BENCH_DIR"]
    fields = os.environ["ZCRM_BENCH_FIELDS"]
    wanted = int(os.environ.get("ZCRM_BENCH_RECORDS", "1000"))
    token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                       refresh_token=os.environ["ZCRM_BENCH_REFRESH"])
    env = DataCenter.Environment(base, base + "/oauth/v2/token", base)
    Initializer.initialize(environment=env, token=token,
                           store=FileStore(os.path.join(scratch, "python_sdk_tokens.txt")),
                           sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
                           resource_path=scratch)
    if mode == "first":
        page(fields, 200, None)
        print("first page", flush=True)
        return
    page(fields, 1, None)  # warm-up: token and field metadata
    records, next_token = 0, None
    start = time.perf_counter()
    while records < wanted:
        wrapper = page(fields, 200, next_token)
        for record in wrapper.get_data():
            for _key, _value in record.get_key_values().items():
                pass
            records += 1
        info = wrapper.get_info()
        if not info.get_more_records():
            break
        next_token = info.get_next_page_token()
    print(json.dumps({"records": records, "seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main()
