package aws

import com.amazonaws.auth.BasicAWSCredentials
import com.amazonaws.services.s3.AmazonS3Client

object AWS {
  val credentials = new BasicAWSCredentials("{AKIA}", "{SECRET}")

  lazy val s3 = new AmazonS3Client(credentials)
}
