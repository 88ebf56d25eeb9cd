package com.ampairs.aws.s3

import aws.smithy.kotlin.runtime.auth.awscredentials.Credentials
import aws.smithy.kotlin.runtime.auth.awscredentials.CredentialsProvider
import aws.smithy.kotlin.runtime.collections.Attributes

private val ACCESS_KEY_ID = "{AKIA}"
private val SECRET_ACCESS_KEY = "{SECRET}"

class S3CredentialProvider : CredentialsProvider {

    override suspend fun resolve(attributes: Attributes): Credentials {
        return Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    }
}
