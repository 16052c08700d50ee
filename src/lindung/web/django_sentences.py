"""Django's own sentences that Lindung words otherwise in Indonesian, listed here so that ``makemessages`` carries
them into Lindung's catalogue (``locale/id``), which Django reads before its own.

Django's Indonesian says "sandi" where Lindung's glossary says "kata sandi" (``locale/terms.csv``), inserts the
word "nama pengguna" before a label that already says it ("Masukkan nama pengguna nama pengguna ..."), leaves
the empty choice of a list ("- Select an option -") in English and calls English "Inggris". Never imported: only
read by ``makemessages``.
"""

from django.utils.translation import gettext_noop

SENTENCES = (
    # Language names stay in their own language (the glossary): Django's Indonesian says "Inggris".
    gettext_noop("English"),
    gettext_noop("Indonesian"),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Change password: %s"),
    gettext_noop("Set password: %s"),
    gettext_noop("password"),
    gettext_noop("Invalid password format or unknown hashing algorithm."),
    gettext_noop("No password set."),
    gettext_noop("Reset password"),
    gettext_noop("Set password"),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Password confirmation"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able to authenticate using other backends, such as Single Sign-On or LDAP."  # noqa: E501 (Django's sentence, word for word)
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    gettext_noop("New password confirmation"),
    gettext_noop("codename"),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Password reset on %(site_name)s"),
    gettext_noop("Password reset"),
    gettext_noop("Enter new password"),
    gettext_noop("Password reset unsuccessful"),
    gettext_noop("Password reset complete"),
    gettext_noop("Password change"),
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that both fields may be case-sensitive."  # noqa: E501 (Django's sentence, word for word)
    ),
    gettext_noop("Change password"),
    gettext_noop("Enter a new password for the user <strong>%(username)s</strong>."),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can verify you typed it in correctly."  # noqa: E501 (Django's sentence, word for word)
    ),
    gettext_noop("Change my password"),
    gettext_noop("Password reset confirmation"),
    gettext_noop("Please enter your new password twice so we can verify you typed it in correctly."),
    gettext_noop("Confirm password:"),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been used.  Please request a new password reset."  # noqa: E501 (Django's sentence, word for word)
    ),
    gettext_noop(
        "We’ve emailed you instructions for setting your password, if an account exists with the email you entered. You should receive them shortly."  # noqa: E501 (Django's sentence, word for word)
    ),
    gettext_noop(
        "You're receiving this email because you requested a password reset for your user account at %(site_name)s."
    ),
    gettext_noop("Please go to the following page and choose a new password:"),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we’ll email instructions for setting a new one."
    ),
    gettext_noop("Reset my password"),
    gettext_noop("- Select an option -"),
    gettext_noop("Old password"),
    gettext_noop("New password"),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Password changed successfully."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Password change successful"),
    gettext_noop("Your password was changed."),
    gettext_noop("Your password has been set.  You may go ahead and log in now."),
    gettext_noop("New password:"),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
)
