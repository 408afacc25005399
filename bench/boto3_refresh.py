#!/usr/bin/env python3
"""A refresh as a Python script would do it with boto3 (a baseline of bench/refresh):
InitiateAuth with REFRESH_TOKEN_AUTH.

Usage: boto3_refresh.py ENDPOINT CLIENT_ID REFRESH_TOKEN
"""
import sys

import boto3

endpoint, client_id, refresh = sys.argv[1:4]
client = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
r = client.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=client_id,
                         AuthParameters={"REFRESH_TOKEN": refresh})
print(r["AuthenticationResult"]["IdToken"])
