"""What the demo data says: categories, services, people, places in English, Russian
and Kazakh. Plain data, kept apart from the generator in `bookwell.demo`; the search
benchmark draws its words from here too."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "ru", "kk")


@dataclass(frozen=True, slots=True)
class CategoryText:
    id: str
    icon: str
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass(frozen=True, slots=True)
class Offer:
    """A service a business or specialist can offer, named in every language."""

    category: str
    minutes: int
    usd: int  # typical price in US dollars, converted per market
    names: dict[str, str]
    descriptions: dict[str, str]


def _blocks(table: str) -> list[tuple[list[str], dict[str, tuple[str, str]]]]:
    """Parse blocks of four lines: a header, then `name — description` in en, ru, kk."""
    parsed = []
    for block in table.strip().split("\n\n"):
        header, *lines = block.strip().splitlines()
        texts = {}
        for language, line in zip(LANGUAGES, lines, strict=True):
            name, description = line.split(" — ", 1)
            texts[language] = (name, description)
        parsed.append((header.split(), texts))
    return parsed


_CATEGORIES = """
consultation briefcase
Consultation — Expert advice one to one
Консультация — Экспертный совет один на один
Кеңес — Сарапшының жеке кеңесі

workshop palette
Workshops — Hands-on classes in small groups
Мастер-классы — Практические занятия в небольших группах
Шеберлік сабақтары — Шағын топтағы практикалық сабақтар

coaching compass
Coaching — Sessions that move your goals forward
Коучинг — Сессии, которые приближают к цели
Коучинг — Мақсатқа жақындататын сессиялар

beauty sparkles
Beauty — Skin care, make-up, brows and lashes
Красота — Уход за кожей, макияж, брови и ресницы
Сұлулық — Тері күтімі, макияж, қас пен кірпік

hair scissors
Hair — Haircuts, colouring and styling
Волосы — Стрижки, окрашивание и укладки
Шаш — Шаш қию, бояу және сәндеу

nails hand
Nails — Manicure, pedicure and nail design
Ногти — Маникюр, педикюр и дизайн ногтей
Тырнақ — Маникюр, педикюр және тырнақ дизайны

massage spa
Massage — Relaxing and therapeutic massage
Массаж — Расслабляющий и лечебный массаж
Массаж — Босаңсытатын және емдік массаж

fitness dumbbell
Fitness — Personal training, yoga and stretching
Фитнес — Персональные тренировки, йога и растяжка
Фитнес — Жеке жаттықтыру, йога және созылу

health heart
Health — Nutrition, psychology and physiotherapy
Здоровье — Питание, психология и физиотерапия
Денсаулық — Тамақтану, психология және физиотерапия

education book
Education — Tutors and language lessons
Образование — Репетиторы и уроки языков
Білім — Репетиторлар және тіл сабақтары

legal scale
Legal services — Contracts, disputes and company law
Юридические услуги — Договоры, споры и корпоративное право
Заң қызметтері — Шарттар, даулар және корпоративтік құқық

finance coins
Finance — Taxes, bookkeeping and financial planning
Финансы — Налоги, бухгалтерия и финансовое планирование
Қаржы — Салықтар, бухгалтерия және қаржылық жоспарлау
"""

CATEGORIES = tuple(
    CategoryText(
        id=header[0],
        icon=header[1],
        names={language: text[0] for language, text in texts.items()},
        descriptions={language: text[1] for language, text in texts.items()},
    )
    for header, texts in _blocks(_CATEGORIES)
)

# category, minutes, typical price in USD; then the name and description per language.
_OFFERS = """
hair 45 25
Men's haircut — Clipper and scissor cut with wash and styling
Мужская стрижка — Стрижка машинкой и ножницами, мытьё головы и укладка
Шаш қию — Машинкамен және қайшымен қию, шаш жуу және сәндеу

hair 60 45
Women's haircut — Consultation, cut and blow-dry styling
Женская стрижка — Консультация, стрижка и укладка феном
Әйелдер шаш қиюы — Кеңес, шаш қию және фенмен сәндеу

hair 120 90
Hair colouring — Single-tone colour with a care treatment
Окрашивание волос — Окрашивание в один тон с уходом
Шаш бояу — Бір түсті бояу және күтім

hair 30 20
Beard trim — Beard shaping with a hot towel
Стрижка бороды — Моделирование бороды и горячее полотенце
Сақал түзету — Сақалды пішіндеу және ыстық сүлгі

nails 60 30
Manicure — Classic manicure with gel polish
Маникюр — Классический маникюр с покрытием гель-лаком
Маникюр — Гель-лакпен классикалық маникюр

nails 75 40
Pedicure — Hardware pedicure with polish
Педикюр — Аппаратный педикюр с покрытием
Педикюр — Аппараттық педикюр және жабын

nails 90 55
Nail extensions — Gel extensions, shape and design
Наращивание ногтей — Гелевое наращивание, форма и дизайн
Тырнақ ұзарту — Гельмен ұзарту, пішін және дизайн

beauty 60 50
Facial cleansing — Deep cleansing and a moisturising mask
Чистка лица — Глубокое очищение и увлажняющая маска
Бет тазалау — Терең тазалау және ылғалдандыратын маска

beauty 45 35
Brow and lash styling — Shaping, tinting and lamination
Оформление бровей и ресниц — Коррекция, окрашивание и ламинирование
Қас пен кірпік сәндеу — Түзету, бояу және ламинация

beauty 90 70
Evening make-up — Make-up for an event that lasts all night
Вечерний макияж — Макияж для мероприятия, держится весь вечер
Кешкі макияж — Іс-шараға арналған макияж, түнге дейін сақталады

massage 60 60
Back massage — Relaxing massage of the back and neck
Массаж спины — Расслабляющий массаж спины и шеи
Арқа массажы — Арқа мен мойынды босаңсытатын массаж

massage 90 85
Full body massage — Classic massage from head to toe
Общий массаж тела — Классический массаж всего тела
Толық дене массажы — Бастан аяққа дейін классикалық массаж

massage 60 65
Sports massage — Recovery after training and competitions
Спортивный массаж — Восстановление после тренировок и соревнований
Спорттық массаж — Жаттығу мен жарыстан кейін қалпына келу

fitness 60 40
Personal training — One-to-one workout with a coach
Персональная тренировка — Тренировка один на один с тренером
Жеке жаттықтыру — Жаттықтырушымен жеке жаттығу

fitness 60 25
Yoga class — Hatha yoga for all levels
Занятие йогой — Хатха-йога для любого уровня
Йога сабағы — Барлық деңгейге арналған хатха-йога

fitness 45 30
Stretching — Flexibility and joint mobility session
Растяжка — Занятие на гибкость и подвижность суставов
Созылу жаттығуы — Икемділік пен буын қозғалғыштығына арналған сабақ

health 30 45
Nutritionist consultation — Diet review and a meal plan
Консультация нутрициолога — Разбор рациона и план питания
Нутрициолог кеңесі — Тамақтануды талдау және ас мәзірінің жоспары

health 50 70
Psychologist session — Confidential one-to-one session
Сеанс психолога — Конфиденциальная индивидуальная встреча
Психолог сеансы — Құпия жеке кездесу

health 45 50
Physiotherapy — Exercises and therapy for back pain
Физиотерапия — Упражнения и терапия при болях в спине
Физиотерапия — Арқа ауырғанда жаттығулар мен емдеу

consultation 60 150
Business strategy consultation — One-hour strategic planning session
Консультация по бизнес-стратегии — Часовая сессия стратегического планирования
Бизнес-стратегия бойынша кеңес — Бір сағаттық стратегиялық жоспарлау сессиясы

consultation 45 90
Marketing consultation — Channel audit and a promotion plan
Маркетинговая консультация — Аудит каналов и план продвижения
Маркетинг бойынша кеңес — Арналар аудиті және жылжыту жоспары

consultation 60 120
IT consultation — Review of architecture and technology choices
IT-консультация — Разбор архитектуры и выбора технологий
IT кеңесі — Архитектура мен технология таңдауын талдау

legal 60 100
Legal consultation — Advice on contracts and disputes
Юридическая консультация — Советы по договорам и спорам
Заңгер кеңесі — Шарттар мен даулар бойынша кеңес

legal 90 180
Contract review — Contract analysis with written comments
Проверка договора — Анализ договора с письменными замечаниями
Шартты тексеру — Жазбаша ескертулермен шартты талдау

legal 60 120
Company registration — Documents and filing for a new company
Регистрация компании — Документы и подача заявления для новой компании
Компания тіркеу — Жаңа компанияның құжаттарын дайындау және тапсыру

finance 60 90
Tax consultation — Taxes for individuals and sole traders
Налоговая консультация — Налоги для физических лиц и ИП
Салық кеңесі — Жеке тұлғалар мен жеке кәсіпкерлердің салықтары

finance 90 130
Financial planning — Budget, savings and an investment plan
Финансовое планирование — Бюджет, накопления и инвестиционный план
Қаржылық жоспарлау — Бюджет, жинақ және инвестициялық жоспар

finance 60 80
Bookkeeping for small business — Setting up monthly bookkeeping
Бухгалтерия для малого бизнеса — Настройка ежемесячного учёта
Шағын бизнеске бухгалтерия — Ай сайынғы есепті жолға қою

coaching 60 110
Career coaching — Goals, CV and interview preparation
Карьерный коучинг — Цели, резюме и подготовка к собеседованию
Мансап коучингі — Мақсат, түйіндеме және сұхбатқа дайындық

coaching 60 100
Life coaching — A session on goals and personal growth
Лайф-коучинг — Сессия о целях и личностном росте
Өмір коучингі — Мақсаттар мен жеке даму туралы сессия

coaching 60 120
Leadership coaching — For managers who lead a team
Коучинг для руководителей — Для тех, кто управляет командой
Көшбасшылық коучингі — Команданы басқаратын жетекшілерге арналған

education 60 30
English lesson — Conversation practice with a tutor
Урок английского языка — Разговорная практика с репетитором
Ағылшын тілі сабағы — Репетитормен сөйлеу тәжірибесі

education 60 30
Kazakh lesson — Kazakh for beginners
Урок казахского языка — Казахский язык для начинающих
Қазақ тілі сабағы — Бастаушыларға арналған қазақ тілі

education 90 35
Maths tutoring — School maths and exam preparation
Репетитор по математике — Школьная математика и подготовка к экзаменам
Математика репетиторы — Мектеп математикасы және емтиханға дайындық

workshop 120 45
Pottery workshop — Make a cup on the potter's wheel
Мастер-класс по керамике — Слепите чашку на гончарном круге
Керамика шеберлік сабағы — Қыш шеңберінде кесе жасау

workshop 180 60
Cooking workshop — Cook a three-course dinner
Кулинарный мастер-класс — Приготовьте ужин из трёх блюд
Аспаздық шеберлік сабағы — Үш тағамнан тұратын кешкі ас дайындау

workshop 120 40
Painting workshop — Oil painting for beginners
Мастер-класс по живописи — Масляная живопись для начинающих
Сурет салу шеберлік сабағы — Бастаушыларға арналған майлы бояумен сурет салу
"""

OFFERS = tuple(
    Offer(
        category=header[0],
        minutes=int(header[1]),
        usd=int(header[2]),
        names={language: text[0] for language, text in texts.items()},
        descriptions={language: text[1] for language, text in texts.items()},
    )
    for header, texts in _blocks(_OFFERS)
)

# A trade is what a business does: the categories its services come from.
TRADES: dict[str, tuple[str, ...]] = {
    "salon": ("hair", "nails", "beauty", "massage"),
    "wellness": ("massage", "fitness", "health"),
    "consulting": ("consultation", "legal", "finance", "coaching"),
    "school": ("education", "workshop", "coaching"),
}

BUSINESS_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "salon": {
        "en": ("Bloom Beauty Studio", "Urban Cut & Co"),
        "ru": ("Салон красоты «Лаванда»", "Студия красоты «Шарм»"),
        "kk": ("«Ару» сұлулық салоны", "«Жібек» сұлулық студиясы"),
    },
    "wellness": {
        "en": ("Northside Wellness", "Pulse Fitness Club"),
        "ru": ("Центр здоровья «Баланс»", "Фитнес-клуб «Энергия»"),
        "kk": ("«Шипа» сауықтыру орталығы", "«Тұлпар» фитнес клубы"),
    },
    "consulting": {
        "en": ("Harbor Consulting Group", "Summit Advisory"),
        "ru": ("Консалтинговая группа «Вектор»", "Юридическая фирма «Право»"),
        "kk": ("«Кеңес» консалтинг тобы", "«Сенім» заң кеңсесі"),
    },
    "school": {
        "en": ("Bright Minds Academy", "Maker Studio"),
        "ru": ("Учебный центр «Знание»", "Творческая мастерская «Глина»"),
        "kk": ("«Білім» оқу орталығы", "«Шабыт» шығармашылық үйі"),
    },
}

BUSINESS_DESCRIPTIONS = {
    "en": "{name}: {count} locations in {city}. Book online in a minute.",
    "ru": "{name}: {count} филиала, {city}. Запись онлайн за минуту.",
    "kk": "{name}: {city} қаласында {count} филиал. Онлайн жазылу бір минутта.",
}

LOCATION_NAMES = {"en": "{city}, {street}", "ru": "Филиал на {street}", "kk": "{street} филиалы"}


@dataclass(frozen=True, slots=True)
class City:
    name: str
    timezone: str
    streets: tuple[str, ...]  # address patterns with {n} for the house number


@dataclass(frozen=True, slots=True)
class Market:
    """A country and a language: where demo businesses work and how they price."""

    language: str
    currency: str
    usd_rate: float  # currency units per US dollar
    price_step: int  # prices are rounded to this many major units
    phone_prefix: str
    cities: tuple[City, ...]


_ALMATY = "Asia/Almaty"
MARKETS = (
    Market(
        "kk",
        "KZT",
        500,
        500,
        "+7701",
        (
            City(
                "Алматы",
                _ALMATY,
                ("Абай даңғылы, {n}", "Достық даңғылы, {n}", "Сәтбаев көшесі, {n}"),
            ),
            City("Астана", _ALMATY, ("Қабанбай батыр даңғылы, {n}", "Мәңгілік Ел даңғылы, {n}")),
            City("Ақтөбе", "Asia/Aqtobe", ("Әбілқайыр хан даңғылы, {n}",)),
        ),
    ),
    Market(
        "ru",
        "KZT",
        500,
        500,
        "+7705",
        (
            City("Алматы", _ALMATY, ("ул. Толе би, {n}", "пр. Аль-Фараби, {n}")),
            City("Караганда", _ALMATY, ("пр. Бухар-Жырау, {n}",)),
        ),
    ),
    Market(
        "ru",
        "RUB",
        90,
        100,
        "+7916",
        (
            City("Москва", "Europe/Moscow", ("ул. Тверская, {n}", "ул. Арбат, {n}")),
            City("Санкт-Петербург", "Europe/Moscow", ("Невский пр., {n}",)),
            City("Екатеринбург", "Asia/Yekaterinburg", ("ул. Малышева, {n}",)),
            City("Новосибирск", "Asia/Novosibirsk", ("Красный пр., {n}",)),
        ),
    ),
    Market(
        "en",
        "USD",
        1,
        5,
        "+1212",
        (
            City("New York", "America/New_York", ("{n} Broadway", "{n} Lexington Ave")),
            City("Chicago", "America/Chicago", ("{n} N Michigan Ave",)),
            City("Los Angeles", "America/Los_Angeles", ("{n} Sunset Blvd",)),
        ),
    ),
    Market(
        "en",
        "GBP",
        0.8,
        5,
        "+44207",
        (
            City("London", "Europe/London", ("{n} Oxford Street", "{n} King's Road")),
            City("Manchester", "Europe/London", ("{n} Deansgate",)),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]  # the male form
    female_suffix: str  # added to a surname for a woman: Ахметов -> Ахметова


NAMES = {
    "kk": Names(
        ("Айгерім", "Әсел", "Дана", "Жансая", "Мадина", "Аружан", "Гүлнар", "Сәуле"),
        ("Ерлан", "Нұрсұлтан", "Асқар", "Дәурен", "Бауыржан", "Ержан", "Арман", "Қайрат"),
        ("Нұрланов", "Сейітов", "Омаров", "Жұмабаев", "Ахметов", "Сәрсенов", "Қасымов"),
        "а",
    ),
    "ru": Names(
        ("Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Татьяна", "Юлия", "Елена"),
        ("Алексей", "Дмитрий", "Сергей", "Андрей", "Иван", "Михаил", "Никита", "Павел"),
        ("Смирнов", "Иванов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Морозов", "Волков"),
        "а",
    ),
    "en": Names(
        ("Emily", "Olivia", "Sarah", "Grace", "Chloe", "Hannah", "Lucy", "Emma"),
        ("James", "Michael", "Daniel", "Oliver", "Thomas", "Ryan", "Jack", "David"),
        ("Carter", "Bennett", "Hughes", "Foster", "Morgan", "Reed", "Walker", "Turner"),
        "",
    ),
}

BIOS = {
    "en": (
        "Experience: {years} years. I listen first, then get to work.",
        "Experience: {years} years. Certified, careful, always on time.",
        "Experience: {years} years. Clients come back, and bring their friends.",
    ),
    "ru": (
        "Стаж: {years}. Сначала слушаю, потом работаю.",
        "Стаж: {years}. Сертифицированный специалист, работаю аккуратно и без опозданий.",
        "Стаж: {years}. Клиенты возвращаются и приводят друзей.",
    ),
    "kk": (
        "Тәжірибе: {years} жыл. Алдымен тыңдаймын, содан кейін жұмысқа кірісемін.",
        "Тәжірибе: {years} жыл. Сертификатталған маман, ұқыпты әрі уақытында.",
        "Тәжірибе: {years} жыл. Клиенттер қайта келеді және достарын ертіп әкеледі.",
    ),
}

# Weekly hours in kit/hours shape; a missing day is closed.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _week(days: tuple[str, ...], *intervals: tuple[str, str]) -> dict[str, list[dict[str, str]]]:
    return {day: [{"start": s, "end": e} for s, e in intervals] for day in days}


WORKING_HOURS: tuple[dict[str, list[dict[str, str]]], ...] = (
    _week(_WEEKDAYS, ("09:00", "18:00")),
    _week(_WEEKDAYS, ("09:00", "13:00"), ("14:00", "19:00"))
    | _week(("saturday",), ("10:00", "16:00")),
    _week((*_WEEKDAYS, "saturday"), ("10:00", "20:00")) | _week(("sunday",), ("11:00", "18:00")),
    _week(("tuesday", "wednesday", "thursday", "friday", "saturday"), ("12:00", "21:00")),
)
OPENING_HOURS = _week((*_WEEKDAYS, "saturday"), ("09:00", "21:00")) | _week(
    ("sunday",), ("10:00", "18:00")
)

_TRANSLIT = str.maketrans(
    "абвгдеёзийклмнопрстуфыэәғқңөұүһі", "abvgdeeziiklmnoprstufyeagqnouuhi", "ъь"
) | {
    ord(c): latin
    for c, latin in zip("жхцчшщюя", ("zh", "kh", "ts", "ch", "sh", "shch", "yu", "ya"), strict=True)
}


def slug(text: str) -> str:
    """Latin letters, digits and hyphens, for subdomains: «Ару» салоны -> aru-salony."""
    latin = text.lower().translate(_TRANSLIT)
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in latin).split()
    return "-".join(words)
