#!/usr/bin/env python3
"""pycognito's SRP login, as a Python script would use it (a baseline of bench/run).

Usage: pycognito_srp.py ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD
"""
import sys

import boto3
from pycognito.aws_srp import AWSSRP

endpoint, pool, client_id, user, password = sys.argv[1:6]
client = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
tokens = AWSSRP(username=user, password=password, pool_id=pool, client_id=client_id,
                client=client).authenticate_user()
print(tokens["AuthenticationResult"]["IdToken"])
