package uk.example.calm.client

import com.amazonaws.auth.{AWSStaticCredentialsProvider, BasicAWSCredentials}
import com.amazonaws.services.s3.{AmazonS3, AmazonS3ClientBuilder}

class AmazonS3ClientFactory(region: String) {
  private val credentials = new BasicAWSCredentials(
    "{AKIA}",
    "{SECRET}"
  )

  def buildClient(): AmazonS3 =
    AmazonS3ClientBuilder
      .standard()
      .withCredentials(new AWSStaticCredentialsProvider(credentials))
      .withRegion(region)
      .build()
}
