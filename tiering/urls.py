app_name = "tiering"

urlpatterns: list = []
