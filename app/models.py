"""Every model, imported in one place for Alembic and the shell."""
from app.auth.models import Role, User, UserRole, user_warehouse  # noqa: F401
from app.floor.models import ScanRecord  # noqa: F401
from app.stock.models import *  # noqa: F401,F403
from app.receipts.models import DamageReason, Receipt, ReceiptEntry, ReceiptLine, ReceiptStatus  # noqa: F401
from app.orders.models import Order, OrderLine, OrderStatus, SalesChannel  # noqa: F401
from app.orders.picklists import PickLine, PickList, PickListOrder  # noqa: F401
from app.orders.shipments import PackedUnit, PutBackTask, ReturnLine  # noqa: F401
from app.api.models import ApiToken, ChannelRule, Integration, WebhookDelivery, WebhookEndpoint  # noqa: F401
from app.history.models import ChangeRecord  # noqa: F401
