"""An edit that could not be saved over its file, sealed for whoever may still read that file.

``edit`` holds the file's lock, but another program (``git pull``, ``git checkout``) may replace the file
while the editor is open, and that version may leave someone out (``recipients remove --rotate`` on
another clone). The edit is then kept beside the file, where ``git add .`` finds it: sealed as it was
opened, its data key and recipients would let the person just removed read the values typed since.
"""

from __future__ import annotations

from sealfile.errors import SealfileError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.ops.change import change_recipients, listed_recipients
from sealfile.ops.reader import read_document
from sealfile.ops.signatures import TrustPolicy
from sealfile.stores import Store


def without_leavers(sealed: str, current: str, store: Store, *,
                    policy: TrustPolicy | None = None) -> tuple[str, list[MasterKey]]:
    """``sealed`` (the edit) without the recipients that ``current`` (the file as the other program left it) no
    longer lists, under a new data key, and who they are. Unchanged when nobody left, or when ``current`` is no
    sealed file whose recipients can be read (a conflict, another syntax): only the recipients of the edit's own
    file are ever kept, so what ``current`` says can narrow who reads the edit, never widen it. A
    :class:`SealfileError` when it cannot be sealed without them (none stays; a key service is down)."""
    meta = read_document(sealed, store).metadata
    recipients = KeyGroups.from_stanzas(meta.groups, meta.threshold).keys
    try:
        staying = listed_recipients(current, recipients, store)
    except SealfileError:
        return sealed, []
    left = [key for key in recipients if not any(key.same_key(other) for other in staying)]
    if not left:
        return sealed, []
    if not staying:
        raise SealfileError("the file now lists none of the recipients it had")
    return change_recipients(sealed, remove=left, store=store, policy=policy, rotate=True).text, left
