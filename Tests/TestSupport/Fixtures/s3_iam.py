#!/usr/bin/env python3
"""Sets up moto's S3 with its IAM emulation switched on (the server runs with
INITIAL_NO_AUTH_ACTION_COUNT=3, so only the first three requests, these, go unchecked): an
operator with every right, a bucket, and one access key per device whose policy is the one
docs/fleet.md gives a box. Prints {"operator": [id, secret], "devices": {name: [id, secret]}}."""
import argparse
import json

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint", required=True)
parser.add_argument("--bucket", required=True)
parser.add_argument("--site", required=True)
parser.add_argument("--device", action="append", default=[])
args = parser.parse_args()

def client(service, key=("unchecked", "unchecked")):
    return boto3.client(service, endpoint_url=args.endpoint, region_name="us-east-1",
                        aws_access_key_id=key[0], aws_secret_access_key=key[1])

iam = client("iam")
iam.create_user(UserName="operator")
made = iam.create_access_key(UserName="operator")["AccessKey"]
operator = (made["AccessKeyId"], made["SecretAccessKey"])
iam.put_user_policy(UserName="operator", PolicyName="all",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
# From here every request is signed and checked.
client("s3", operator).create_bucket(Bucket=args.bucket)
iam = client("iam", operator)
devices = {}
for device in args.device:
    iam.create_user(UserName=device)
    made = iam.create_access_key(UserName=device)["AccessKey"]
    arn = f"arn:aws:s3:::{args.bucket}/edge/v1/"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": [arn + "releases/*", arn + "channels/*", arn + f"sites/{args.site}/*", arn + f"configs/{args.site}/*", arn + f"devices/{device}/*"]},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{args.bucket}"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": arn + f"devices/{device}/status"},
    ]}
    iam.put_user_policy(UserName=device, PolicyName="own", PolicyDocument=json.dumps(policy))
    devices[device] = [made["AccessKeyId"], made["SecretAccessKey"]]
print(json.dumps({"operator": list(operator), "devices": devices}))
