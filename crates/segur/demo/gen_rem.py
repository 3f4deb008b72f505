#!/usr/bin/env python3
"""Generates the illustrative REMs of the demo world (crates/segur/demo/rem/*.toml).

The REMs are illustrative: chapters and requirement IDs follow those the seeds name, the
texts are plausible but are NOT the official ANS REMs. Run from this directory:
    python3 gen_rem.py
"""

# (chapter, [(id, profile, wave, enonce, [(scenario, [proofs])])])
PROOF_KINDS = [
    "Capture d'écran de l'écran concerné",
    "Vidéo commentée du parcours",
    "Extrait des traces techniques horodatées",
    "Extrait de la documentation utilisateur",
]


def req(rid, profile, wave, enonce, scenarios, nature="EXIGENCE", fonction=""):
    return dict(id=rid, profile=profile, wave=wave, enonce=enonce, scenarios=scenarios,
                nature=nature, fonction=fonction)


def sc(text, n_proofs, offset=0):
    return (text, [PROOF_KINDS[(offset + i) % len(PROOF_KINDS)] for i in range(n_proofs)])


def de(verb):
    """French elision: « permet d'afficher », « permet de gérer »."""
    return f"d'{verb}" if verb[0] in "aeéèiouh" else f"de {verb}"


def topics(prefix, start, items, profile="Général", wave="Va2", proofs=(2, 1, 2)):
    out = []
    for i, (verb, obj) in enumerate(items):
        n = proofs[i % len(proofs)]
        out.append(req(f"{prefix}.{start + i:02d}", profile, wave,
                       f"Le logiciel DOIT {verb} {obj}.",
                       [sc(f"Le testeur vérifie que le logiciel permet {de(verb)} {obj}.", n, i)]))
    return out


def mdv():
    chapters = []
    chapters.append(("Gestion et partage des documents de santé",
        topics("SC.DOC", 1, [
            ("afficher", "les documents au format CDA R2 niveau 1"),
            ("afficher", "les documents au format CDA R2 niveau 3"),
            ("produire", "un volet de synthèse médicale structuré"),
            ("identifier", "les documents importés depuis le DMP"),
            ("identifier", "les documents exportés vers la MSSanté"),
            ("éviter", "l'import en double d'un document identique"),
            ("classer", "les documents reçus par type et par date"),
            ("rechercher", "un document par mot-clé dans le dossier patient"),
        ], wave="Va1", proofs=(2, 1, 2))
        + topics("SC.DOC", 20, [
            ("horodater", "chaque version d'un document produit"),
            ("signaler", "un document remplacé par une version plus récente"),
            ("présenter", "l'historique des partages d'un document"),
            ("permettre", "la correction d'un document déjà partagé"),
        ], proofs=(2, 1))))
    chapters.append(("Consultation et alimentation du DMP / Mon espace santé",
        [req("LGC.DMP/UX.10.01.01", "Général", "Va2",
             "Le logiciel DOIT afficher un indicateur visuel du statut de récupération de l'INS avant l'accès au DMP.",
             [sc("Récupération de l'INS par le téléservice INSi puis accès au DMP.", 2),
              sc("Récupération de l'INS via l'ApCV (sans indicateur, accepté).", 1, 2)]),
         req("LGC.DMP/UX.10.01.02", "Général", "Va2",
             "Le logiciel DOIT permettre la consultation du DMP en un clic depuis le dossier patient.",
             [sc("Ouverture du DMP depuis la fiche patient.", 2, 1)]),
         req("LGC.DMP/UX.10.02.01", "Général", "Va2",
             "Le logiciel DOIT afficher la liste des documents du DMP triée par date de l'acte.",
             [sc("Consultation de la liste des documents.", 1)])]
        + topics("SC.DMP", 1, [
            ("recueillir", "la non-opposition du patient à l'alimentation du DMP"),
            ("alimenter", "le DMP avec les documents produits"),
            ("masquer", "un document aux professionnels sur demande du patient"),
            ("invisibiliser", "un document au patient le temps de l'annonce"),
            ("supprimer", "un document envoyé par erreur"),
            ("consulter", "l'historique des accès au DMP"),
        ], wave="Va1", proofs=(2, 2, 1))
        + topics("SC.DMP", 20, [
            ("alimenter", "Mon espace santé conformément au GI DMP 2.10 MCO2"),
            ("optimiser", "les transactions de recherche de documents"),
            ("afficher", "les documents de Mon espace santé ajoutés par le patient"),
        ])))
    chapters.append(("Gestion de la MSSanté",
        topics("SC.MSS", 1, [
            ("envoyer", "un document par MSSanté à un correspondant"),
            ("intégrer", "automatiquement un document reçu avec une INS qualifiée"),
            ("importer", "manuellement un document reçu par MSSanté"),
            ("consulter", "l'annuaire santé pour trouver une adresse MSSanté"),
            ("conserver", "les traces des échanges MSSanté"),
        ], wave="Va1", proofs=(2, 1))
        + topics("SC.MSS", 20, [
            ("envoyer", "un message à la messagerie de Mon espace santé du patient"),
            ("passer", "les tests MSSanté MOTCO2"),
            ("accuser", "réception des messages intégrés"),
            ("signaler", "les messages non intégrés à l'utilisateur"),
            ("rattacher", "un message reçu au bon dossier patient"),
        ])))
    chapters.append(("Identification électronique & Pro Santé Connect",
        [req("SC.PSC.01.01", "Général", "Va2",
             "Le logiciel DOIT permettre l'authentification des professionnels par Pro Santé Connect.",
             [sc("Connexion avec l'application e-CPS.", 2), sc("Connexion par carte CPS.", 1, 1)]),
         req("SC.PSC.02.01", "Général", "Va2",
             "Le logiciel DOIT propager le contexte d'authentification aux services socles.",
             [sc("Appel du DMP après connexion Pro Santé Connect.", 2)]),
         req("SC.PSC.14", "Général", "Va2",
             "L'éditeur DOIT fournir le formulaire de test d'intrusion de l'ANS signé électroniquement par un prestataire qualifié PASSI.",
             [("Dépôt du formulaire de test d'intrusion.", ["Formulaire ANS de test d'intrusion signé électroniquement"])]),
         req("SC.INS.01.01", "Général", "Va1",
             "Le logiciel DOIT interroger le téléservice INSi pour récupérer l'INS.",
             [sc("Appel INSi depuis la carte Vitale.", 2)]),
         req("SC.INS.01.02", "Général", "Va1",
             "Le logiciel DOIT qualifier l'INS après vérification de l'identité.",
             [sc("Qualification de l'INS.", 2, 1)]),
         req("SC.INS.01.03", "Général", "Va1",
             "Le logiciel DOIT afficher le statut de l'identité (provisoire, récupérée, validée, qualifiée).",
             [sc("Affichage des quatre statuts.", 1)]),
         req("CH.AUT.01.01", "Général", "Va2",
             "Le logiciel DOIT permettre l'authentification sur une base de comptes locale selon OpenID Connect.",
             [sc("Connexion par un compte local.", 1)])]))
    chapters.append(("Sécurité des SI",
        [req("SC.SSI/GEN.18", "Général", "Va2",
             "L'éditeur DOIT faire réaliser un test d'intrusion de la solution.",
             [("Dépôt du rapport de synthèse.", ["Synthèse du rapport de test d'intrusion"])]),
         req("SC.SSI/GEN.19", "Général", "Va2",
             "L'éditeur DOIT corriger les vulnérabilités critiques relevées par le test d'intrusion.",
             [sc("Plan de remédiation.", 1, 3)]),
         req("SC.SSI/GEN.20", "Général", "Va2",
             "L'éditeur DOIT tenir à jour une démarche SSI documentée.",
             [sc("Politique de sécurité de l'éditeur.", 1, 3)])]
        + topics("SC.SSI/GEN", 1, [
            ("gérer", "les sauvegardes chiffrées des données"),
            ("gérer", "les comptes et permissions des utilisateurs"),
            ("verrouiller", "la session après une période d'inactivité"),
            ("tracer", "les accès aux données de santé"),
            ("chiffrer", "les flux réseau en TLS 1.2 au moins"),
            ("désactiver", "les services inutiles à l'installation"),
        ], wave="Va1", proofs=(2, 1))
        + topics("SC.SSI/GEN", 30, [
            ("imposer", "une politique de mots de passe robuste"),
            ("journaliser", "les actions des administrateurs"),
            ("réduire", "la surface d'attaque exposée"),
        ])))
    chapters.append(("Vaccination",
        topics("SC.VACC/NOTE", 1, [
            ("produire", "une note de vaccination au format CDA"),
            ("coder", "le vaccin en CIS et ATC"),
            ("renseigner", "le numéro de lot (nullFlavor UNK s'il est inconnu)"),
            ("alimenter", "le carnet de vaccination de Mon espace santé"),
        ], proofs=(2, 1))
        + [req("SC.VACC/NOTE.05", "Général", "Va2",
               "Le logiciel DOIT permettre la saisie rétrospective d'un vaccin ancien.",
               [sc("Saisie d'un vaccin ancien sans numéro de lot.", 2)])]))
    chapters.append(("Ordonnance numérique",
        topics("LGC.ORDO", 1, [
            ("produire", "une ordonnance numérique avec QR code"),
            ("enregistrer", "l'ordonnance dans la base e-prescription"),
            ("consulter", "l'ordonnance numérique d'un patient"),
        ], wave="Va1", proofs=(2, 1))
        + topics("LGC.ORDO", 10, [
            ("modifier", "une ordonnance numérique déjà enregistrée"),
            ("annuler", "une ordonnance numérique"),
            ("afficher", "l'état de délivrance de l'ordonnance"),
            ("produire", "une ordonnance numérique de biologie"),
        ])))
    chapters.append(("Téléservices de l'Assurance maladie",
        topics("LGC.TLS", 1, [
            ("utiliser", "l'ApCV pour lire les droits du patient"),
            ("déclarer", "le médecin traitant en ligne"),
            ("établir", "un arrêt de travail dématérialisé"),
        ], wave="Va1", proofs=(1, 2))
        + topics("LGC.TLS", 10, [
            ("consulter", "l'historique des remboursements"),
            ("établir", "un certificat médical dématérialisé"),
        ])))
    chapters.append(("Production d'indicateurs",
        topics("SC.IND", 1, [
            ("produire", "le nombre de documents envoyés au DMP par mois"),
            ("produire", "le nombre de messages MSSanté envoyés par mois"),
            ("exporter", "les indicateurs d'usage au format CSV"),
        ], proofs=(1,))))
    chapters.append(("Annuaire et identification des acteurs",
        topics("SC.ANN", 1, [
            ("intégrer", "l'annuaire santé (RPPS) des professionnels"),
            ("mettre à jour", "les données de l'annuaire santé chaque semaine"),
            ("rechercher", "un professionnel par nom, spécialité et commune"),
            ("afficher", "l'identifiant national du professionnel"),
            ("identifier", "la structure d'exercice par son FINESS ou SIRET"),
            ("gérer", "les professionnels remplaçants"),
            ("tracer", "les modifications des fiches professionnels"),
            ("exporter", "la liste des correspondants"),
        ], wave="Va1", proofs=(2, 2))))
    chapters.append(("Centres de santé",
        topics("LGC.CDS", 1, [
            ("gérer", "plusieurs professionnels sur une même structure"),
            ("partager", "l'agenda entre professionnels du centre"),
            ("produire", "les indicateurs d'activité du centre"),
        ], profile="Centre de santé", proofs=(2, 1))))
    return chapters


def sdv_psf():
    m = dict((c, r) for c, r in mdv())
    # SDV-PSF is new in vague 2 (no va1 SONS for paramédicaux): every requirement is va2.
    keep = lambda chapter, ids: [dict(r, wave="Va2") for r in m[chapter] if r["id"] in ids]
    chapters = [
        ("Gestion et partage des documents de santé", keep("Gestion et partage des documents de santé", {"SC.DOC.01", "SC.DOC.02", "SC.DOC.04", "SC.DOC.06", "SC.DOC.20", "SC.DOC.21"})),
        ("Consultation et alimentation du DMP / Mon espace santé", keep("Consultation et alimentation du DMP / Mon espace santé", {"SC.DMP.01", "SC.DMP.02", "SC.DMP.20", "SC.DMP.21"})),
        ("Gestion de la MSSanté", keep("Gestion de la MSSanté", {"SC.MSS.01", "SC.MSS.02", "SC.MSS.20"})),
        ("Identification électronique & Pro Santé Connect", keep("Identification électronique & Pro Santé Connect", {"SC.PSC.01.01", "SC.PSC.14", "SC.INS.01.01", "SC.INS.01.02"})),
        ("Sécurité des SI", keep("Sécurité des SI", {"SC.SSI/GEN.18", "SC.SSI/GEN.19", "SC.SSI/GEN.20", "SC.SSI/GEN.30"})),
        ("Dossier paramédical",
         topics("PSF.DOS", 1, [
             ("tenir", "le dossier paramédical du patient"),
             ("produire", "un bilan paramédical structuré"),
         ])),
        ("Profil sage-femme",
         topics("PSF.SF", 1, [
             ("suivre", "la grossesse et produire la synthèse de suivi"),
             ("produire", "la déclaration de grossesse en ligne"),
         ], profile="SF")),
        ("Profil masseur-kinésithérapeute",
         topics("PSF.KINE", 1, [
             ("produire", "le bilan-diagnostic kinésithérapique"),
             ("suivre", "les séances prescrites et réalisées"),
         ], profile="Kiné")),
    ]
    return chapters


def ms():
    chapters = [
        ("Dossier usager informatisé",
         topics("SC.DUI", 1, [
             ("gérer", "l'identité de la personne accompagnée avec l'INS"),
             ("tenir", "le projet personnalisé d'accompagnement"),
             ("tracer", "les accès au dossier usager"),
         ], wave="Va1", proofs=(2, 1))
         + topics("SC.DUI", 20, [
             ("alimenter", "Mon espace santé de la personne accompagnée"),
             ("envoyer", "un document par MSSanté"),
         ])),
        ("Identification électronique & Pro Santé Connect",
         [req("SC.PSC.01.01", "Général", "Va2",
              "Le logiciel DOIT permettre l'authentification des professionnels par Pro Santé Connect.",
              [sc("Connexion avec l'application e-CPS.", 2)]),
          req("SC.PSC.14", "Général", "Va2",
              "L'éditeur DOIT fournir le formulaire de test d'intrusion de l'ANS signé électroniquement par un prestataire qualifié PASSI.",
              [("Dépôt du formulaire de test d'intrusion.", ["Formulaire ANS de test d'intrusion signé électroniquement"])])]),
        ("Sécurité des SI",
         [req("SC.SSI/GEN.18", "AHI", "Va2",
              "L'éditeur DOIT faire réaliser un test d'intrusion de la solution (profil AHI).",
              [("Dépôt du formulaire de test d'intrusion.", ["Formulaire ANS de test d'intrusion signé électroniquement"])])]
         + topics("SC.SSI/GEN", 1, [
             ("gérer", "les comptes et permissions des utilisateurs"),
             ("chiffrer", "les flux réseau"),
         ], wave="Va1")),
        ("Personnes âgées",
         topics("MS.PA", 1, [("évaluer", "l'autonomie selon la grille AGGIR"), ("planifier", "les soins et interventions")], profile="PA", wave="Va1")
         + topics("MS.PA", 10, [("partager", "le plan d'aide avec le médecin traitant")], profile="PA")),
        ("Personnes handicapées",
         topics("MS.PH", 1, [("tenir", "le suivi des orientations MDPH")], profile="PH", wave="Va1")
         + topics("MS.PH", 10, [("échanger", "avec la MDPH par le SI de suivi des orientations")], profile="PH")),
        ("Personnes handicapées avec dossier d'orientation",
         topics("MS.PHDO", 1, [
             ("gérer", "le dossier d'orientation de la personne"),
             ("produire", "les comptes rendus de synthèse"),
         ], profile="PH avec DO")),
        ("Protection de l'enfance",
         topics("MS.PDE", 1, [("tenir", "le dossier de l'enfant confié")], profile="PDE", wave="Va1")),
        ("Prévention et soins (PDS)",
         topics("MS.PDS", 1, [("tenir", "le dossier de soins infirmiers"), ("administrer", "le circuit du médicament")], profile="PDS", wave="Va1")
         + topics("MS.PDS", 10, [("alimenter", "le DMP avec la lettre de liaison")], profile="PDS")),
        ("Accueil, hébergement, insertion",
         topics("MS.AHI", 1, [("gérer", "les demandes d'hébergement SIAO")], profile="AHI")),
    ]
    return chapters


def hop_dpi():
    return [
        ("Gestion et partage des documents de santé",
         topics("SC.DOC", 1, [
             ("afficher", "les documents au format CDA R2 niveau 1"),
             ("éviter", "l'import en double d'un document identique"),
         ], wave="Va1", proofs=(2, 1))
         + topics("DPI.DOC", 1, [("interopérer", "avec la fonction PFI en environnement hospitalier")])),
        ("Consultation et alimentation du DMP / Mon espace santé",
         topics("SC.DMP", 1, [("recueillir", "la non-opposition du patient"), ("alimenter", "le DMP avec la lettre de liaison de sortie")], wave="Va1")
         + topics("SC.DMP", 20, [("consulter", "les documents de Mon espace santé")])),
        ("Gestion de la MSSanté",
         topics("SC.MSS", 1, [("envoyer", "la lettre de liaison par MSSanté")], wave="Va1")
         + topics("SC.MSS", 20, [("produire", "et conserver les traces MSSanté")])),
        ("Identification électronique & Pro Santé Connect",
         [req("SC.PSC.01.01", "Général", "Va2",
              "Le logiciel DOIT permettre l'authentification des professionnels par Pro Santé Connect.",
              [sc("Connexion avec l'application e-CPS.", 2)]),
          req("SC.PSC.14", "Général", "Va2",
              "L'éditeur DOIT fournir le formulaire de test d'intrusion de l'ANS signé électroniquement par un prestataire qualifié PASSI.",
              [("Dépôt du formulaire de test d'intrusion.", ["Formulaire ANS de test d'intrusion signé électroniquement"])]),
          req("CH.AUT.01.01", "Général", "Va2",
              "Le logiciel DOIT permettre l'authentification sur une base de comptes locale selon OpenID Connect.",
              [sc("Connexion par un compte local.", 1)])]),
        ("Sécurité des SI",
         topics("SC.SSI/GEN", 1, [("gérer", "les sauvegardes"), ("tracer", "les accès aux données de santé")], wave="Va1")
         + topics("SC.SSI/GEN", 30, [("réduire", "la surface d'attaque exposée")])),
        ("Production d'indicateurs",
         topics("SC.IND", 1, [("fournir", "les statistiques d'alimentation du DMP")])),
    ]


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path, dispositif, version, published_on, chapters, change_log):
    lines = [
        "# Illustrative REM generated by gen_rem.py: NOT the official ANS REM.",
        f"dispositif = {toml_str(dispositif)}",
        f"version = {toml_str(version)}",
        'status = "published"',
        f"published_on = {toml_str(published_on)}",
        "illustrative = true",
        "change_log = [" + ", ".join(toml_str(c) for c in change_log) + "]",
        "",
    ]
    count = 0
    for chapter, reqs in chapters:
        for r in reqs:
            lines.append("[[requirements]]")
            lines.append(f"id = {toml_str(r['id'])}")
            lines.append(f"chapter = {toml_str(chapter)}")
            lines.append(f"enonce = {toml_str(r['enonce'])}")
            lines.append(f"nature = {toml_str(r['nature'])}")
            lines.append(f"profile = {toml_str(r['profile'])}")
            lines.append(f"wave_origin = {toml_str(r['wave'])}")
            lines.append("scenarios = [")
            for n, (text, proofs) in enumerate(r["scenarios"], start=1):
                ps = ", ".join(f"{{ number = {i}, text = {toml_str(p)} }}" for i, p in enumerate(proofs, start=1))
                lines.append(f"  {{ number = {n}, text = {toml_str(text)}, proofs = [{ps}] }},")
                count += len(proofs)
            lines.append("]")
            lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(path, count, "proof items")


if __name__ == "__main__":
    write("rem/mdv-lgc-va2.toml", "MDV-LGC-Va2", "1.1", "2026-06-11", mdv(),
          ["Version illustrative modifiée par l'arrêté du 8 juin 2026 (32 modifications dans le REM officiel)",
           "Téléservices de l'Assurance maladie regroupés dans un chapitre unique",
           "GI DMP 2.10 MCO2 exigé", "Tests MSSanté MOTCO2 intégrés"])
    write("rem/sdv-psf-va2.toml", "SDV-PSF-Va2", "1.0", "2025-09-15", sdv_psf(), ["Version initiale illustrative"])
    write("rem/ms-va2.toml", "MS-Va2", "1.0", "2025-07-01", ms(), ["Version initiale illustrative"])
    write("rem/hop-dpi-va2.toml", "HOP-DPI-Va2", "1.0", "2024-06-12", hop_dpi(), ["Version initiale illustrative"])
