"""Built-in rules: one per cause id of the contract, registered like any plugin's.

The order here is the order among diagnoses of equal confidence: the most
specific causes (a read-only mount, a full disk, an environment that belongs
to someone else) come before the general ones. The hook is ``tryfirst``, so
built-in diagnoses come before a plugin's of equal confidence unless the
plugin's ``pip_doctor_rules`` is ``tryfirst`` too. Their long explanations
(``pip-doctor explain``) are in :mod:`pip_doctor._explain`.
"""

from __future__ import annotations

from pip_doctor._model import Explanation, Rule
from pip_doctor._rules import (
    blocked_by_security_software,
    cache_dir_not_writable,
    certificate_not_trusted,
    cross_device_rename,
    disk_full,
    env_owned_by_other_user,
    externally_managed,
    file_in_use,
    foreign_owned_files,
    home_not_usable,
    host_not_resolved,
    index_unreachable,
    install_target_not_writable,
    invalid_proxy_url,
    leftover_stash,
    name_too_long,
    needs_admin,
    os_owned_package,
    owner_write_bit_removed,
    path_too_long,
    proxy_auth_required,
    proxy_unreachable,
    read_only_filesystem,
    requirements_file_unreadable,
    source_tree_not_writable,
    system_site_packages,
    temp_dir_unusable,
    wrong_environment,
)
from pip_doctor.hookspecs import hookimpl

BUILTIN_RULES: tuple[Rule, ...] = (
    invalid_proxy_url.RULE,
    proxy_auth_required.RULE,
    proxy_unreachable.RULE,
    certificate_not_trusted.RULE,
    host_not_resolved.RULE,
    index_unreachable.RULE,
    requirements_file_unreadable.RULE,
    source_tree_not_writable.RULE,
    read_only_filesystem.RULE,
    blocked_by_security_software.RULE,
    path_too_long.RULE,
    disk_full.RULE,
    temp_dir_unusable.RULE,
    home_not_usable.RULE,
    cache_dir_not_writable.RULE,
    name_too_long.RULE,
    file_in_use.RULE,
    cross_device_rename.RULE,
    externally_managed.RULE,
    os_owned_package.RULE,
    owner_write_bit_removed.RULE,
    env_owned_by_other_user.RULE,
    foreign_owned_files.RULE,
    install_target_not_writable.RULE,
    leftover_stash.RULE,
    wrong_environment.RULE,
    needs_admin.RULE,
    system_site_packages.RULE,
)


@hookimpl(tryfirst=True)
def pip_doctor_rules() -> tuple[Rule, ...]:
    return BUILTIN_RULES


@hookimpl
def pip_doctor_explanations() -> tuple[Explanation, ...]:
    from pip_doctor._explain import CAUSES

    return tuple(CAUSES.values())
