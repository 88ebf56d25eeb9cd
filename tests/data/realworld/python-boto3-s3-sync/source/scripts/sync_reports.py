#!/usr/bin/env python3
"""Upload the nightly reports to S3."""
import os
import sys

import boto3
from botocore.config import Config

BUCKET = "acme-nightly-reports"
REGION = "eu-west-1"

s3 = boto3.client(
    "s3",
    aws_access_key_id="{AKIA}",
    aws_secret_access_key="{SECRET}",
    region_name=REGION,
    config=Config(retries={"max_attempts": 5}),
)


def upload(folder):
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        s3.upload_file(path, BUCKET, f"reports/{name}")
        print(f"uploaded {name}")


if __name__ == "__main__":
    upload(sys.argv[1] if len(sys.argv) > 1 else "out")
