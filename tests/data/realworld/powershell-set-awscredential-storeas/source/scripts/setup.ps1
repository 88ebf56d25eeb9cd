Import-Module AWSPowerShell

Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default
Set-DefaultAWSRegion -Region us-east-1

Get-S3Bucket | Select-Object BucketName
