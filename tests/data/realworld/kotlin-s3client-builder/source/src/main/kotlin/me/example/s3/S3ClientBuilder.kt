package me.example.s3

import aws.sdk.kotlin.runtime.auth.credentials.StaticCredentialsProvider
import aws.sdk.kotlin.services.s3.S3Client

object S3ClientBuilder {
    fun build(s3Region: String): S3Client =
        S3Client {
            region = s3Region
            credentialsProvider = StaticCredentialsProvider {
                accessKeyId = "{AKIA}"
                secretAccessKey = "{SECRET}"
            }
        }
}
