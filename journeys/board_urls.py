"""The journey board, an account's journey, moving tracks, flags and the journey settings."""

from django.urls import path

from .views import account, board, settings

urlpatterns = [
    path("", board.board, name="index"),
    path("list/", board.track_list, name="track_list"),
    path("accounts/<int:account_id>/", account.account_journey, name="account_journey"),
    path("accounts/<int:account_id>/card/", account.account_journey_card, name="account_journey_card"),
    path("accounts/<int:account_id>/tracks/new/", account.track_create, name="track_create"),
    path("tracks/<int:track_id>/move/", account.track_move, name="track_move"),
    path("tracks/<int:track_id>/end/", account.track_end, name="track_end"),
    path("tracks/<int:track_id>/edit/", account.track_edit, name="track_edit"),
    path(
        "tracks/<int:track_id>/criteria/<int:criterion_id>/check/",
        account.criterion_toggle,
        name="criterion_toggle",
    ),
    path("flags/", board.flag_list, name="flag_list"),
    path("flags/<int:flag_id>/confirm/", board.flag_confirm, name="flag_confirm"),
    path("flags/<int:flag_id>/dismiss/", board.flag_dismiss, name="flag_dismiss"),
    path("settings/", settings.journey_settings, name="journey_settings"),
    path("settings/criteria/new/", settings.criterion_create, name="criterion_create"),
    path("settings/criteria/<int:criterion_id>/", settings.criterion_edit, name="criterion_edit"),
    path("settings/criteria/<int:criterion_id>/delete/", settings.criterion_delete, name="criterion_delete"),
    path("settings/expectations/", settings.expectations_edit, name="expectations_edit"),
]
