"""The glossary (vgcore/workshop/glossary.py): every term in both languages, the Chinese
the catalog gives it (the one the lessons' sentences use), and the source texts' older
renderings noted there once and used nowhere else."""
from vgcore import catalogs
from vgcore.i18n import speaking
from vgcore.workshop.glossary import GLOSSARY, glossary_table

# The standard terms of current textbooks the issue names.
STANDARD = {"vanishing gradient": "梯度消失", "exploding gradient": "梯度爆炸",
            "activation function": "激活函数", "backpropagation": "反向传播",
            "cross-entropy": "交叉熵", "overfitting": "过拟合",
            "batch normalisation": "批量归一化", "residual connection": "残差连接",
            "long short-term memory (LSTM)": "长短期记忆网络（LSTM）",
            "gated recurrent unit (GRU)": "门控循环单元（GRU）"}
OLDER = {"vanishing gradient": "消失梯度", "exploding gradient": "爆发梯度"}


def test_every_term_in_both_languages():
    table = glossary_table()
    assert list(table.columns[:2]) == ["English", "简体中文"]
    assert len(table) == len(GLOSSARY) == len({t.english for t in GLOSSARY})
    assert (table["English"] != table["简体中文"]).all()
    zh = dict(zip(table["English"], table["简体中文"]))
    assert {term: zh[term] for term in STANDARD} == STANDARD


def test_the_source_texts_older_renderings_are_noted_once_and_used_nowhere():
    table = glossary_table()
    notes = dict(zip(table["English"], table.iloc[:, 2]))
    for term, older in OLDER.items():
        assert older in notes[term]
    translations = " ".join(str(m.string) for m in catalogs.read(catalogs.po_path("zh")))
    for older in (*OLDER.values(), "受限波兹曼机"):
        assert older not in translations


def test_the_table_reads_in_the_readers_language():
    with speaking("zh"):
        table = glossary_table()
    assert table.columns[2] == "来源文本中的写法"
    assert "写作“消失梯度”" in set(table.iloc[:, 2])
