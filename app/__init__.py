"""应急管理执法工作量统计平台: the API service, the domain and the data layer."""
