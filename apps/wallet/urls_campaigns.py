"""Routes of the point campaigns (spliced into the "wallet" namespace)."""

from django.urls import path

from . import views_campaigns

urlpatterns = [
    path("wallet/campaigns/", views_campaigns.campaign_list, name="campaigns"),
    path("wallet/campaigns/<slug:code>/claim/", views_campaigns.campaign_claim, name="campaign_claim"),
    path("wallet/campaigns/<slug:code>/steps/", views_campaigns.campaign_steps, name="campaign_steps"),
    path(
        "wallet/campaigns/<slug:code>/steps/import/",
        views_campaigns.campaign_steps_import,
        name="campaign_steps_import",
    ),
    path("wallet/campaigns/<slug:code>/join/", views_campaigns.campaign_join, name="campaign_join"),
    path("operator/campaigns/", views_campaigns.operator_campaigns, name="operator_campaigns"),
]
